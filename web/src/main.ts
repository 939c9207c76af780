import { createApp } from 'vue';
import App from './App.vue';
import './lib/theme';
import { live } from './live/live';
import { startStats } from './stores/stats';
import './styles.css';

live.start();
startStats();
createApp(App).mount('#app');
