import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useLocation, useSearchParams } from 'wouter';
import { href, useNavigate } from '../lib/router';
import { CameraIcon, SearchIcon } from './Icons';

/** Text search plus a camera button that opens the file picker for search-by-photo. */
export function SearchBar({ onImage }: { onImage: (file: File) => void }) {
  const [path] = useLocation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const current = path === '/search' && params.get('by') !== 'image' ? (params.get('q') ?? '') : '';
  const [q, setQ] = useState(current);
  const fileRef = useRef<HTMLInputElement>(null);
  useEffect(() => setQ(current), [current]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const text = q.trim();
    if (text) navigate(href('/search', { q: text }));
  };

  return (
    <form className="searchbar" role="search" onSubmit={submit}>
      <label htmlFor="search-q" className="visually-hidden">
        Search the catalogue
      </label>
      <span className="searchbar-icon">
        <SearchIcon />
      </span>
      <input id="search-q" type="search" placeholder="Search, or drop a photo…" value={q} onChange={(e) => setQ(e.target.value)} autoComplete="off" enterKeyHint="search" />
      <button type="button" className="icon-btn" onClick={() => fileRef.current?.click()} aria-label="Search by photo" title="Search by photo">
        <CameraIcon />
      </button>
      <input
        ref={fileRef}
        id="image-search-input"
        data-testid="image-search-input"
        type="file"
        accept="image/*"
        className="visually-hidden"
        tabIndex={-1}
        aria-label="Choose a photo to search by"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) onImage(file);
          e.target.value = '';
        }}
      />
    </form>
  );
}
