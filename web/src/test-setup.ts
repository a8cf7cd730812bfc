import "@testing-library/jest-dom/vitest";
import "./i18n";

// Mantine reads these browser features, which jsdom lacks.
Object.defineProperty(window, "matchMedia", {
  writable: true,
  value: (query: string) => ({
    matches: false, media: query, onchange: null,
    addListener: () => {}, removeListener: () => {}, addEventListener: () => {}, removeEventListener: () => {},
    dispatchEvent: () => false,
  }),
});
class NoResizeObserver { observe() {} unobserve() {} disconnect() {} }
window.ResizeObserver = NoResizeObserver as unknown as typeof ResizeObserver;
