import { searchImage, searchText } from '../app/search.js';
import { EncoderPool } from '../vision/encoder-pool.js';
import { intOption, readArgFile, UsageError, type Command } from './command.js';
import { withStore } from './open.js';
import { MAX_K } from '../limits.js';
import { itemScene, searchScene, type SceneResult } from '../app/scene.js';

export const searchCommand: Command = {
  name: 'search',
  summary: 'Search the catalogue with an outside photo or with words',
  usage: 'loupe search (--image FILE [--objects] [--box x,y,w,h] | --item ID --objects | --text "red dress") [-k 10] [--version NAME]',
  options: {
    image: { type: 'string', value: 'FILE', description: 'query photo (encoded now; the catalogue is not)' },
    item: { type: 'string', value: 'ID', description: 'with --objects: the objects stored for this catalogue item by `loupe encode --objects` (no detection now)' },
    text: { type: 'string', value: 'WORDS', description: "text query, through a trained version's text tower (or a CLIP backbone)" },
    k: { type: 'string', short: 'k', value: 'N', description: 'how many items (default 10)' },
    version: { type: 'string', value: 'NAME', description: 'embedding version (default: the promoted one)' },
    objects: { type: 'boolean', description: 'shop the look: find the objects in the photo and search each one (-k per object)' },
    box: { type: 'string', value: 'X,Y,W,H', description: 'with --objects: search only this region of the photo (pixels)' },
  },
  async run(ctx, values, positionals) {
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const file = values.image as string | undefined;
    const text = values.text as string | undefined;
    const item = values.item as string | undefined;
    if ([file, text, item].filter((v) => v !== undefined).length !== 1) throw new UsageError('give exactly one of --image FILE, --item ID --objects or --text WORDS');
    const k = intOption(values, 'k', 10, 1, MAX_K);
    if (item !== undefined) {
      if (!values.objects) throw new UsageError('--item needs --objects (more like an item: `loupe similar ID`)');
      if (values.box !== undefined) throw new UsageError('--box needs --image FILE');
      return withStore(ctx, async ({ db, indexes }) => {
        const res = await itemScene({ db, indexes }, item, { k, version: values.version as string | undefined });
        ctx.print(res, sceneText(`item ${item}`, res));
        return 0;
      });
    }
    const boxArg = values.box as string | undefined;
    if ((values.objects || boxArg !== undefined) && !file) throw new UsageError('--objects and --box need --image FILE');
    if (text !== undefined) {
      if (!text.trim()) throw new UsageError('--text is empty');
      return withStore(ctx, async ({ db, paths, indexes }) => {
        const encoders = new EncoderPool(paths);
        try {
          const res = await searchText({ db, paths, indexes, encoders }, text, k, values.version as string | undefined);
          ctx.print(res, [`"${text}" (${res.version}):`, ...res.items.map((n, i) => `${String(i + 1).padStart(3)}. ${n.id}  ${n.score.toFixed(4)}`)].join('\n'));
          return 0;
        } finally {
          await encoders.close();
        }
      });
    }
    const bytes = readArgFile(file!);
    if (values.objects || boxArg !== undefined) {
      if (boxArg !== undefined && !/^\s*-?\d+\s*(,\s*-?\d+\s*){3}$/.test(boxArg)) throw new UsageError('--box must be x,y,w,h in whole pixels');
      const box = boxArg?.split(',').map(Number);
      return withStore(ctx, async ({ db, paths, indexes }) => {
        const encoders = new EncoderPool(paths);
        try {
          const res = await searchScene({ db, paths, indexes, encoders }, bytes, { k, version: values.version as string | undefined, box });
          ctx.print(res, sceneText(file!, res));
          return 0;
        } finally {
          await encoders.close();
        }
      });
    }
    return withStore(ctx, async ({ db, paths, indexes }) => {
      const encoders = new EncoderPool(paths);
      try {
        const res = await searchImage({ db, paths, indexes, encoders }, bytes, k, values.version as string | undefined);
        ctx.print(res, [`nearest to ${file} (${res.version}):`, ...res.items.map((n, i) => `${String(i + 1).padStart(3)}. ${n.id}  ${n.score.toFixed(4)}`)].join('\n'));
        return 0;
      } finally {
        await encoders.close();
      }
    });
  },
};

function sceneText(file: string, res: SceneResult): string {
  const lines = [`objects in ${file} (${res.width}x${res.height}, ${res.version}):`, ...(res.note ? [`note: ${res.note}`] : [])];
  for (const o of res.objects) {
    lines.push(`${o.label} ${o.score.toFixed(2)} at [${o.box.join(', ')}]`);
    lines.push(...o.items.map((n, i) => `  ${String(i + 1).padStart(3)}. ${n.id}  ${n.score.toFixed(4)}`));
  }
  return lines.join('\n');
}
