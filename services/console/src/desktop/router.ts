import { createRouter, createWebHistory } from 'vue-router'
import { onExpired, signedIn } from '@/api/session'
import { useAuth } from '@/stores/auth'
import { useRound } from '@/stores/round'
import Layout from './Layout.vue'

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/login', name: 'login', component: () => import('./pages/Login.vue'), meta: { public: true, title: '登录' } },
    {
      path: '/',
      component: Layout,
      children: [
        { path: '', name: 'dashboard', component: () => import('./pages/Dashboard.vue'), meta: { title: '挂图作战' } },
        { path: 'ledger', name: 'ledger', component: () => import('./pages/Ledger.vue'), meta: { title: '问题台账' } },
        { path: 'issues/:id', name: 'issue', component: () => import('./pages/IssueDetail.vue'), meta: { title: '问题详情' } },
        { path: 'letters', name: 'letters', component: () => import('./pages/Letters.vue'), meta: { title: '督办函件' } },
        { path: 'closures', name: 'closures', component: () => import('./pages/Closures.vue'), meta: { title: '验收销号' } },
        { path: 'closures/:id', name: 'closure', component: () => import('./pages/ClosureDetail.vue'), meta: { title: '销号办理' } },
        { path: 'reports', name: 'reports', component: () => import('./pages/Reports.vue'), meta: { title: '报告中心' } },
        { path: 'petitions', name: 'petitions', component: () => import('./pages/Petitions.vue'), meta: { title: '信访件' } },
        { path: 'indicators', name: 'indicators', component: () => import('./pages/Indicators.vue'), meta: { title: '指标' } },
        { path: 'imports', name: 'imports', component: () => import('./pages/RoundImport.vue'), meta: { title: '导入台账' } },
        { path: 'admin', name: 'admin', component: () => import('./pages/Admin.vue'), meta: { title: '系统管理', office: true } },
      ],
    },
    // the leader's screen (大屏): full screen, outside the menu's layout
    { path: '/screen', name: 'screen', component: () => import('./pages/Screen.vue'), meta: { title: '督察整改大屏' } },
    { path: '/:rest(.*)*', name: 'missing', component: () => import('./pages/NotFound.vue'), meta: { public: true, title: '页面不存在' } },
  ],
})

router.beforeEach(async (to) => {
  document.title = `${String(to.meta.title ?? '')} · Rectify 督察整改`
  if (to.meta.public) return true
  // who the person is and the rounds, in parallel: the first screen waits for one round trip, not two
  const rounds = signedIn() ? useRound().load().catch(() => null) : null
  const [me] = await Promise.all([useAuth().restore(), rounds])
  return me ? true : { name: 'login', query: { redirect: to.fullPath } }
})

// an expired session (refresh refused) returns to the sign-in page, remembering where the person was
onExpired(() => {
  const here = router.currentRoute.value
  useAuth().me = null
  if (here.name !== 'login') void router.push({ name: 'login', query: { redirect: here.fullPath, expired: '1' } })
})
