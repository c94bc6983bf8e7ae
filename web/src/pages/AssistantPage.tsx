import { useEffect, useRef, useState, type FormEvent } from 'react';
import { askAssistant, type AssistantReply, type ChatMessage } from '../lib/assistant';
import { shortId, titleOf } from '../lib/format';
import { Link } from 'wouter';
import '../styles/assistant.css';

interface Turn {
  user: string;
  photo: string | null;
  reply?: AssistantReply;
  error?: string;
}

const EXAMPLES = ['Show me dresses, not for kids', 'Anything but shoes', 'More like the second one', 'Show me more'];

function ReplyCards({ reply }: { reply: AssistantReply }) {
  return (
    <ol className="chat-cards" aria-label="Suggested items">
      {reply.items.map((it, i) => (
        <li key={it.id} className="chat-card" data-item-id={it.id}>
          <Link to={`/item/${encodeURIComponent(it.id)}`} className="chat-card-link">
            {it.item?.image ? <img src={it.item.image.thumb} alt={titleOf(it.item)} loading="lazy" width={it.item.image.width} height={it.item.image.height} /> : <div className="chat-card-missing" />}
            <span className="chat-card-rank">#{i + 1}</span>
          </Link>
          <div className="chat-card-body">
            <span className="chat-card-id" title={it.id}>
              {it.item ? titleOf(it.item) : shortId(it.id)}
            </span>
            <span className="chat-card-reason">{it.reason}</span>
          </div>
        </li>
      ))}
    </ol>
  );
}

/** The shopping assistant: a conversation whose replies are items from the catalogue, each with a reason. */
export function AssistantPage() {
  const [turns, setTurns] = useState<Turn[]>([]);
  const [draft, setDraft] = useState('');
  const [photo, setPhoto] = useState<File | null>(null);
  const [user, setUser] = useState('');
  const [busy, setBusy] = useState(false);
  const ctl = useRef<AbortController | null>(null);
  const end = useRef<HTMLDivElement>(null);

  useEffect(() => {
    document.title = 'Assistant · Loupe';
    return () => ctl.current?.abort();
  }, []);
  useEffect(() => {
    // Braces matter: newer Chromium returns a promise from scrollIntoView, which React would take for a cleanup.
    end.current?.scrollIntoView({ block: 'end' });
  }, [turns]);

  async function send(text: string) {
    const content = text.trim();
    if (!content || busy) return;
    const history: ChatMessage[] = turns.flatMap((t): ChatMessage[] =>
      t.reply
        ? [
            { role: 'user', content: t.user },
            { role: 'assistant', content: t.reply.reply, items: t.reply.items.map((i) => i.id), image: t.photo !== null },
          ]
        : [],
    );
    const sentPhoto = photo;
    const turn: Turn = { user: content, photo: sentPhoto ? URL.createObjectURL(sentPhoto) : null };
    setTurns((ts) => [...ts, turn]);
    setDraft('');
    setPhoto(null);
    setBusy(true);
    ctl.current?.abort();
    const abort = new AbortController();
    ctl.current = abort;
    try {
      const reply = await askAssistant([...history, { role: 'user', content }], { image: sentPhoto, user: user.trim() || undefined, signal: abort.signal });
      setTurns((ts) => ts.map((t) => (t === turn ? { ...t, reply } : t)));
    } catch (err) {
      if (abort.signal.aborted) return;
      setTurns((ts) => ts.map((t) => (t === turn ? { ...t, error: err instanceof Error ? err.message : String(err) } : t)));
    } finally {
      if (!abort.signal.aborted) setBusy(false);
    }
  }

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void send(draft);
  };

  return (
    <section className="page assistant-page" aria-labelledby="assistant-title">
      <div className="page-head">
        <div>
          <h1 id="assistant-title">Assistant</h1>
          <p className="page-sub">Describe what you want, in words and optionally with a photo. Follow up with “more like the second one”, “cheaper” or “not for kids”.</p>
        </div>
        <div className="field">
          <label htmlFor="assistant-user">As user</label>
          <input id="assistant-user" value={user} onChange={(e) => setUser(e.target.value)} placeholder="optional" autoComplete="off" />
        </div>
      </div>
      <div className="chat-log" aria-live="polite">
        {turns.length === 0 && (
          <div className="chat-examples">
            {EXAMPLES.slice(0, 2).map((x) => (
              <button key={x} type="button" className="chip" onClick={() => void send(x)}>
                {x}
              </button>
            ))}
          </div>
        )}
        {turns.map((t, i) => (
          <div key={i} className="chat-turn">
            <div className="chat-bubble chat-user">
              {t.photo && <img src={t.photo} alt="your photo" className="chat-photo" />}
              {t.user}
            </div>
            {t.reply && (
              <div className="chat-bubble chat-assistant" data-testid="assistant-reply">
                <p className="chat-reply">{t.reply.reply}</p>
                {t.reply.note && <p className="chat-note">{t.reply.note}</p>}
                <ReplyCards reply={t.reply} />
              </div>
            )}
            {t.error && (
              <div className="chat-bubble chat-assistant chat-error" role="alert">
                {t.error}
              </div>
            )}
            {!t.reply && !t.error && <div className="chat-bubble chat-assistant chat-pending">Looking…</div>}
          </div>
        ))}
        <div ref={end} />
      </div>
      <form className="chat-form" onSubmit={onSubmit}>
        <label className="chat-attach">
          <input type="file" accept="image/*" aria-label="Attach a photo" onChange={(e) => setPhoto(e.target.files?.[0] ?? null)} />
          {photo ? `📎 ${photo.name}` : 'Photo'}
        </label>
        <input className="chat-input" aria-label="Message" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="e.g. a dress for kids, not shoes" maxLength={2000} />
        <button type="submit" className="btn" disabled={busy || !draft.trim()}>
          Send
        </button>
      </form>
    </section>
  );
}
