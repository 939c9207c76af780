import { onScopeDispose, shallowRef } from 'vue';

/**
 * One shared clock for "12 s ago" labels: a single timer for the whole page, running only
 * while some component reads it.
 */
const now = shallowRef(Date.now());
let users = 0;
let timer: ReturnType<typeof setInterval> | undefined;

export const useNow = () => {
  users++;
  if (timer === undefined) {
    now.value = Date.now();
    timer = setInterval(() => {
      now.value = Date.now();
    }, 1000);
  }
  onScopeDispose(() => {
    users--;
    if (users === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  });
  return now;
};
