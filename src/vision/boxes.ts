/**
 * Pure box arithmetic for shop-the-look: overlap suppression, the garment regions of a person box,
 * and the check that a box lies inside its photo. Boxes are [x, y, w, h] in pixels of the
 * EXIF-rotated photo.
 */

export type Box = [number, number, number, number];

export interface Detection {
  box: Box;
  label: string;
  score: number;
}

function iou(a: Box, b: Box): number {
  const x0 = Math.max(a[0], b[0]);
  const y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy non-maximum suppression per label, best score first. */
export function suppressOverlaps(dets: readonly Detection[], maxIou = 0.4): Detection[] {
  const kept: Detection[] = [];
  for (const d of [...dets].sort((a, b) => b.score - a.score)) {
    if (!kept.some((k) => k.label === d.label && iou(k.box, d.box) > maxIou)) kept.push(d);
  }
  return kept;
}

/**
 * COCO has no garment classes, so a person box is cut into fixed bands of its height (no pose model:
 * these are proportions of a standing, full-length figure). The bands overlap a little so a hem or
 * waistline falls wholly inside at least one of them.
 */
const PERSON_BANDS: readonly { label: string; top: number; bottom: number }[] = [
  { label: 'upper body', top: 0.12, bottom: 0.55 },
  { label: 'lower body', top: 0.45, bottom: 0.9 },
  { label: 'feet', top: 0.85, bottom: 1 },
];

export function personRegions(person: Detection): Detection[] {
  const [x, y, w, h] = person.box;
  return PERSON_BANDS.map((b) => ({ label: b.label, score: person.score, box: roundBox([x, y + b.top * h, w, (b.bottom - b.top) * h]) }));
}

export function roundBox(b: readonly number[]): Box {
  const x = Math.round(b[0]!);
  const y = Math.round(b[1]!);
  return [x, y, Math.max(1, Math.round(b[0]! + b[2]!) - x), Math.max(1, Math.round(b[1]! + b[3]!) - y)];
}

/** Clips a box to the photo; undefined when nothing of it is left. */
export function clipBox(b: Box, width: number, height: number): Box | undefined {
  const x0 = Math.max(0, Math.min(width, b[0]));
  const y0 = Math.max(0, Math.min(height, b[1]));
  const x1 = Math.max(0, Math.min(width, b[0] + b[2]));
  const y1 = Math.max(0, Math.min(height, b[1] + b[3]));
  const c = roundBox([x0, y0, x1 - x0, y1 - y0]);
  if (x1 - x0 < 1 || y1 - y0 < 1) return undefined;
  return [c[0], c[1], Math.min(c[2], width - c[0]), Math.min(c[3], height - c[1])];
}

/** Why a user-drawn box cannot be searched in a `width` x `height` photo, or undefined when it can. */
export function boxProblem(b: readonly number[], width: number, height: number): string | undefined {
  if (b.length !== 4 || b.some((v) => !Number.isInteger(v))) return 'must be four whole numbers [x, y, w, h]';
  const [x, y, w, h] = b as Box;
  if (w < 1 || h < 1) return 'width and height must be at least 1';
  if (x < 0 || y < 0 || x + w > width || y + h > height) return `[${b.join(', ')}] is not inside the ${width}x${height} photo`;
  return undefined;
}

/** A body keypoint in photo pixels (MoveNet order: 0 nose, 5/6 shoulders, 7-10 arms, 11/12 hips, 13/14 knees, 15/16 ankles). */
export interface Keypoint {
  x: number;
  y: number;
  score: number;
}

const SHOULDERS = [5, 6];
const ARMS = [5, 6, 7, 8, 9, 10];
const HIPS = [11, 12];
const LEGS = [11, 12, 13, 14, 15, 16];
const ANKLES = [15, 16];

function span(kps: readonly Keypoint[], idx: readonly number[], minScore: number): { x0: number; x1: number; y0: number; y1: number } | undefined {
  const seen = idx.map((i) => kps[i]).filter((k): k is Keypoint => k !== undefined && k.score >= minScore);
  if (seen.length === 0) return undefined;
  return { x0: Math.min(...seen.map((k) => k.x)), x1: Math.max(...seen.map((k) => k.x)), y0: Math.min(...seen.map((k) => k.y)), y1: Math.max(...seen.map((k) => k.y)) };
}

/**
 * Garment regions of a person from pose keypoints: upper body from the shoulders to the hips (as
 * wide as the arms), lower body from the hips to the ankles, feet around the ankles, each padded by
 * a share of the person's height and kept inside the person box. A part whose keypoints are not
 * seen falls back to its fixed band (personRegions).
 */
export function poseRegions(person: Detection, kps: readonly Keypoint[], minScore = 0.25): Detection[] {
  const [px, py, pw, ph] = person.box;
  const bands = personRegions(person);
  const pad = 0.06 * ph;
  const inside = (x0: number, y0: number, x1: number, y1: number): Box | undefined => {
    const a = Math.max(px, x0);
    const b = Math.max(py, y0);
    const c = Math.min(px + pw, x1);
    const d = Math.min(py + ph, y1);
    return c - a >= 1 && d - b >= 1 ? roundBox([a, b, c - a, d - b]) : undefined;
  };
  const shoulders = span(kps, SHOULDERS, minScore);
  const arms = span(kps, ARMS, minScore);
  const hips = span(kps, HIPS, minScore);
  const legs = span(kps, LEGS, minScore);
  const ankles = span(kps, ANKLES, minScore);
  const out: Detection[] = [];
  const upper = shoulders && hips && arms && hips.y1 > shoulders.y0 ? inside(arms.x0 - pad, shoulders.y0 - pad, arms.x1 + pad, hips.y1 + pad) : undefined;
  out.push(upper ? { label: 'upper body', score: person.score, box: upper } : bands[0]!);
  const lower = hips && legs && ankles && ankles.y1 > hips.y0 ? inside(legs.x0 - pad, hips.y0 - pad, legs.x1 + pad, ankles.y1 + pad / 2) : undefined;
  out.push(lower ? { label: 'lower body', score: person.score, box: lower } : bands[1]!);
  const feet = ankles ? inside(ankles.x0 - 1.5 * pad, ankles.y0 - pad, ankles.x1 + 1.5 * pad, ankles.y1 + 1.5 * pad) : undefined;
  out.push(feet ? { label: 'feet', score: person.score, box: feet } : bands[2]!);
  return out;
}
