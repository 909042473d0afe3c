// Reduces Natural Earth's 1:110m land (public domain, from npm world-atlas)
// to what the site's map draws: one SVG path of the land in an
// equirectangular projection, 720 × 360 units (half a degree each), points
// rounded to a tenth of a unit and repeats dropped. Written as JSON, fetched
// by the site only when the map opens.
//
//   node scripts/build-map.mjs TOOLS_DIR OUT_FILE
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const [toolsDir, out] = process.argv.slice(2);
if (!toolsDir || !out) {
  console.error('usage: node scripts/build-map.mjs TOOLS_DIR OUT_FILE (world-atlas installed in TOOLS_DIR by scripts/setup.sh)');
  process.exit(2);
}
const topo = JSON.parse(readFileSync(join(toolsDir, 'node_modules/world-atlas/land-110m.json'), 'utf8'));
const [W, H] = [720, 360];
const { scale: [kx, ky], translate: [dx, dy] } = topo.transform;

// TopoJSON arcs are quantized and delta-encoded: undo both, to degrees.
const arcs = topo.arcs.map((arc) => {
  let x = 0;
  let y = 0;
  return arc.map(([ax, ay]) => {
    x += ax;
    y += ay;
    return [x * kx + dx, y * ky + dy];
  });
});
const arcPoints = (i) => (i >= 0 ? arcs[i] : [...arcs[~i]].reverse());
const project = ([lon, lat]) => [((lon + 180) / 360) * W, ((90 - lat) / 180) * H];
const r = (v) => Math.round(v * 10) / 10;

let d = '';
let points = 0;
for (const g of topo.objects.land.geometries) {
  const polygons = g.type === 'Polygon' ? [g.arcs] : g.arcs;
  for (const rings of polygons) {
    for (const ring of rings) {
      const pts = [];
      for (const i of ring) {
        const a = arcPoints(i);
        // Each arc starts where the previous one ended.
        pts.push(...(pts.length ? a.slice(1) : a));
      }
      let last = '';
      let path = '';
      for (const p of pts.map(project)) {
        const s = `${r(p[0])} ${r(p[1])}`;
        if (s === last) continue;
        path += (path ? 'L' : 'M') + s;
        last = s;
        points++;
      }
      d += `${path}Z`;
    }
  }
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({
  width: W,
  height: H,
  projection: 'equirectangular',
  source: 'Natural Earth 1:110m land (public domain), via world-atlas',
  land: d,
}));
console.log(`map: ${points} points, ${d.length} bytes of path into ${out}`);
