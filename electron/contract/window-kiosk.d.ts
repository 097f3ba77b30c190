// What the preload (or the dev host bridge) defines on the page: the contract, nothing else.
import type { KioskApi } from './contract';

declare global {
  interface Window {
    kiosk?: KioskApi;
  }
}
