// Runs in the renderer (sandboxed page). Mounts the app; `window.kiosk` is provided by the
// Electron preload or, under the dev host, by its WebSocket bridge — the same contract either way.
import { mount } from 'svelte';
import App from './App.svelte';
import './styles.css';

mount(App, { target: document.getElementById('app')! });
