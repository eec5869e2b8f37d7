import { createPinia } from 'pinia'
import { createApp } from 'vue'
import 'vant/es/toast/style'
import 'vant/es/dialog/style'
import '@/shared/base.css'
import App from './App.vue'
import { router } from './router'

createApp(App).use(createPinia()).use(router).mount('#app')
