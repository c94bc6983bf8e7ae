/** Stands in for the photo of an item that has none (its vectors were imported with `loupe import-vectors --create-items`). */
export function NoPhoto({ className }: { className?: string }) {
  return (
    <div className={`no-photo${className ? ` ${className}` : ''}`} role="img" aria-label="No photo">
      <span>No photo</span>
    </div>
  );
}
