import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { createAppRouter } from './router';
import { registerErasureSync } from './components/admin/erasure-sync';
import { registerUploads } from './components/upload/register';
import { registerServiceWorker } from './sw-registration';
import './styles.css';

registerUploads();
registerErasureSync();
const app = createApp(App);
app.use(createPinia());
app.use(createAppRouter());
app.mount('#app');
registerServiceWorker();
