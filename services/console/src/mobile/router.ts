import { createRouter, createWebHistory } from 'vue-router'
import { onExpired } from '@/api/session'
import { useAuth } from '@/stores/auth'

export const router = createRouter({
  history: createWebHistory('/console/m/'),
  routes: [
    { path: '/login', name: 'login', component: () => import('./pages/Login.vue'), meta: { public: true, title: '登录' } },
    { path: '/', name: 'todo', component: () => import('./pages/Todo.vue'), meta: { title: '我的待办' } },
    { path: '/tasks/:id', name: 'task', component: () => import('./pages/Task.vue'), meta: { title: '任务详情' } },
    { path: '/tasks/:id/report', name: 'report', component: () => import('./pages/Report.vue'), meta: { title: '填报进展' } },
    { path: '/tasks/:id/closure', name: 'apply', component: () => import('./pages/ApplyClosure.vue'), meta: { title: '申请销号' } },
    { path: '/letters/:id', name: 'letter', component: () => import('./pages/Letter.vue'), meta: { title: '回复函件' } },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

router.beforeEach(async (to) => {
  document.title = `${String(to.meta.title ?? '')} · Rectify 整改填报`
  if (to.meta.public) return true
  const me = await useAuth().restore()
  return me ? true : { name: 'login', query: { redirect: to.fullPath } }
})

onExpired(() => {
  const here = router.currentRoute.value
  useAuth().me = null
  if (here.name !== 'login') void router.push({ name: 'login', query: { redirect: here.fullPath, expired: '1' } })
})
