// The console's build: two pages sharing one API layer — the desktop console (Element Plus) at
// /console/ and the phone pages (Vant) at /console/m/ — so a phone never loads Element Plus.
import { writeFileSync, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import legacy, { cspHashes } from '@vitejs/plugin-legacy'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { VantResolver } from '@vant/auto-import-resolver'
import { defineConfig, type Plugin } from 'vite'

const here = fileURLToPath(new URL('.', import.meta.url))
const outDir = process.env.CONSOLE_OUT_DIR ?? resolve(here, '../issues-api/src/issues_api/console/dist')

// issues-api puts these hashes (plugin-legacy's inline scripts) into the console's CSP
function cspFile(): Plugin {
  return {
    name: 'rectify-csp-hashes',
    apply: 'build',
    closeBundle() {
      mkdirSync(outDir, { recursive: true })
      writeFileSync(resolve(outDir, 'csp.json'), JSON.stringify({ script_hashes: cspHashes }, null, 1))
    },
  }
}

// Vant's icon font falls back to a CDN copy (at.alicdn.com): the console self-hosts everything,
// so only its inline woff2 stays (a CSP-blocked request would also be a console error)
function noCdn(): Plugin {
  return {
    name: 'rectify-no-cdn',
    enforce: 'pre',
    transform(code, id) {
      if (!id.includes('vant') || !id.endsWith('.css')) return null
      return code.replace(/,\s*url\((["']?)(https?:)?\/\/at\.alicdn\.com[^)]*\)\s*format\([^)]*\)/g, '')
    },
  }
}

export default defineConfig({
  base: '/console/',
  resolve: { alias: { '@': resolve(here, 'src') } },
  plugins: [
    noCdn(),
    vue(),
    Components({
      dts: false,
      resolvers: [ElementPlusResolver({ importStyle: false }), VantResolver({ importStyle: true })],
    }),
    // 信创 desktops run Chromium 87–106: modern chunks for chrome87 plus the polyfills they use
    // (Element Plus calls Array.prototype.at, Chrome 92+). No SystemJS legacy chunks: every
    // target browser has ES modules, and they would double the build time.
    legacy({ modernTargets: ['chrome>=87', 'safari>=14', 'ios>=14'], modernPolyfills: true, renderLegacyChunks: false }),
    cspFile(),
  ],
  build: {
    target: 'chrome87',
    outDir,
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      input: { main: resolve(here, 'index.html'), m: resolve(here, 'm/index.html') },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8000' } },
  test: { environment: 'happy-dom', include: ['src/**/*.spec.ts'] },
} as never)
