import type { CSSProperties, HTMLAttributes, ReactNode } from 'react';
import type { SceneObject } from '../lib/types';

export type Rect = [number, number, number, number];

/** A box in the photo's pixels as CSS percentages of the photo as drawn. */
export function boxStyle(b: Rect, width: number, height: number): CSSProperties {
  return { left: `${(100 * b[0]) / width}%`, top: `${(100 * b[1]) / height}%`, width: `${(100 * b[2]) / width}%`, height: `${(100 * b[3]) / height}%` };
}

type ScenePhotoProps = {
  src: string;
  alt: string;
  /** The photo's size after EXIF rotation: the space the boxes are in. */
  width: number;
  height: number;
  objects: readonly Pick<SceneObject, 'box' | 'label'>[];
  picked: number | null;
  onPick: (index: number) => void;
  /** Drawn over the photo after the boxes (a box being dragged). */
  children?: ReactNode;
} & Omit<HTMLAttributes<HTMLDivElement>, 'children'>;

/** A photo with the objects found in it drawn over it as buttons, the picked one highlighted. */
export function ScenePhoto({ src, alt, width, height, objects, picked, onPick, children, className, style, ...rest }: ScenePhotoProps) {
  return (
    <div {...rest} className={`shop-look-photo${className ? ` ${className}` : ''}`} style={{ aspectRatio: `${width} / ${height}`, ...style }}>
      <img src={src} alt={alt} draggable={false} />
      {objects.map((o, i) => (
        <button
          key={`${o.label}-${o.box.join(',')}`}
          type="button"
          className={`shop-look-box${i === picked ? ' is-picked' : ''}`}
          style={boxStyle(o.box, width, height)}
          aria-pressed={i === picked}
          onClick={() => onPick(i)}
        >
          <span>{o.label}</span>
        </button>
      ))}
      {children}
    </div>
  );
}
