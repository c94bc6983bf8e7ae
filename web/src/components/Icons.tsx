/** Inline icons (no icon font, no CDN). All decorative: callers give the accessible name. */
type P = { size?: number };
const svg = (size: number) => ({
  width: size,
  height: size,
  viewBox: '0 0 24 24',
  fill: 'none',
  stroke: 'currentColor',
  strokeWidth: 2,
  strokeLinecap: 'round' as const,
  strokeLinejoin: 'round' as const,
  'aria-hidden': true,
  focusable: false,
});

export const SearchIcon = ({ size = 18 }: P) => (
  <svg {...svg(size)}>
    <circle cx="11" cy="11" r="7" />
    <path d="m20 20-3.5-3.5" />
  </svg>
);
export const CameraIcon = ({ size = 18 }: P) => (
  <svg {...svg(size)}>
    <path d="M4 8h3l2-3h6l2 3h3v11H4z" />
    <circle cx="12" cy="13" r="3.5" />
  </svg>
);
export const CloseIcon = ({ size = 16 }: P) => (
  <svg {...svg(size)}>
    <path d="M6 6l12 12M18 6 6 18" />
  </svg>
);
export const ActivityIcon = ({ size = 18 }: P) => (
  <svg {...svg(size)}>
    <path d="M3 12h4l3-8 4 16 3-8h4" />
  </svg>
);
export const BackIcon = ({ size = 18 }: P) => (
  <svg {...svg(size)}>
    <path d="M15 18l-6-6 6-6" />
  </svg>
);
export const CheckIcon = ({ size = 16 }: P) => (
  <svg {...svg(size)}>
    <path d="M5 12l5 5 9-10" />
  </svg>
);
export const AlertIcon = ({ size = 16 }: P) => (
  <svg {...svg(size)}>
    <path d="M12 3 2 20h20z" />
    <path d="M12 10v4M12 17h.01" />
  </svg>
);
export const ImageIcon = ({ size = 40 }: P) => (
  <svg {...svg(size)} strokeWidth={1.5}>
    <rect x="3" y="4" width="18" height="16" rx="2" />
    <circle cx="9" cy="10" r="2" />
    <path d="m21 16-5-5-8 9" />
  </svg>
);
export const LogoMark = ({ size = 28 }: P) => (
  <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
    <rect width="32" height="32" rx="8" fill="var(--accent)" />
    <circle cx="14" cy="14" r="7" fill="none" stroke="#fff" strokeWidth="3" />
    <path d="M19 19l6 6" stroke="#fff" strokeWidth="3.5" strokeLinecap="round" />
  </svg>
);
