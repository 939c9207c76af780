import { shallowRef, watch } from 'vue';

export type Theme = 'dark' | 'light';

const STORAGE = 'tributary.theme';

const initial = (): Theme => {
  const saved = localStorage.getItem(STORAGE);
  // Dark by default, as a wall screen should be, until someone picks light.
  return saved === 'light' ? 'light' : 'dark';
};

/** The theme, remembered in localStorage and applied as `<html data-theme>`. */
export const theme = shallowRef<Theme>(initial());

const apply = (value: Theme) => {
  document.documentElement.dataset.theme = value;
  document.documentElement.style.colorScheme = value;
};
apply(theme.value);

watch(theme, (value) => {
  localStorage.setItem(STORAGE, value);
  apply(value);
});

export const toggleTheme = (): void => {
  theme.value = theme.value === 'dark' ? 'light' : 'dark';
};
