// Schedulers for rxws's timers (reconnect, heartbeat).
export { TimerScheduler, timerScheduler } from './timer-scheduler.js';
