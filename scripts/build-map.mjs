// Reduces Natural Earth's 1:110m land (public domain, from npm world-atlas)
// to what the site's map draws: one SVG path of the land in an
// equirectangular projection, 720 × 360 units (half a degree each), points
// rounded to a tenth of a unit and repeats dropped. Rings over the
// antimeridian are unwrapped, and the part past one edge is drawn again at
// the other; Antarctica's ring is closed along the bottom edge. Written as JSON, fetched
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

/**
 * The ring's points with each longitude moved by whole turns to within 180°
 * of the one before. A ring around a pole (Antarctica) would come back a turn
 * away from its start: where it jumps from one edge of the map to the other,
 * it goes down to the pole at the edge, along it, and back up instead.
 */
function unwrap(pts) {
  const out = [pts[0]];
  for (const [lon, lat] of pts.slice(1)) {
    let l = lon;
    const prev = out[out.length - 1][0];
    while (l - prev > 180) l -= 360;
    while (prev - l > 180) l += 360;
    out.push([l, lat]);
  }
  if (Math.abs(out[out.length - 1][0] - out[0][0]) <= 180) {
    // Unwrapped from its first point, most of the ring may lie a turn away
    // (Eurasia, from a point in Chukotka): bring its middle onto the map.
    const mid = out.reduce((sum, [lon]) => sum + lon, 0) / out.length;
    const turn = mid > 180 ? -360 : mid < -180 ? 360 : 0;
    return out.map(([lon, lat]) => [lon + turn, lat]);
  }
  const round = [pts[0]];
  for (const [lon, lat] of pts.slice(1)) {
    const [plon, plat] = round[round.length - 1];
    if (Math.abs(lon - plon) > 180) {
      const pole = plat + lat < 0 ? -90 : 90;
      round.push([Math.sign(plon) * 180, plat], [Math.sign(plon) * 180, pole], [Math.sign(lon) * 180, pole], [Math.sign(lon) * 180, lat]);
    }
    round.push([lon, lat]);
  }
  return round;
}

/**
 * The part of a ring on the map's side of the meridian `edge` (−180: east of
 * it; 180: west of it), cut where it crosses (Sutherland–Hodgman, one edge).
 */
function clip(ring, edge) {
  const inside = ([lon]) => (edge < 0 ? lon >= edge : lon <= edge);
  const cross = ([alon, alat], [blon, blat]) => [edge, alat + ((edge - alon) / (blon - alon)) * (blat - alat)];
  const out = [];
  for (let k = 0; k < ring.length; k++) {
    const [p, q] = [ring[(k + ring.length - 1) % ring.length], ring[k]];
    if (inside(q)) {
      if (!inside(p)) out.push(cross(p, q));
      out.push(q);
    } else if (inside(p)) {
      out.push(cross(p, q));
    }
  }
  return out;
}

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
      // A ring that crosses the antimeridian jumps from +180 to −180: drawn
      // as it is, its edges run across the whole map and the fill inverts a
      // band of it. Unwrapped, it runs past one edge, and a copy a map width
      // over draws the part that shows at the other.
      const unwrapped = unwrap(pts);
      const lons = unwrapped.map((p) => p[0]);
      const copies = [0];
      if (Math.min(...lons) < -180) copies.push(360);
      if (Math.max(...lons) > 180) copies.push(-360);
      for (const shift of copies) {
        // A copy only needs its part inside the map.
        const ring = shift === 0 ? unwrapped : clip(unwrapped.map(([lon, lat]) => [lon + shift, lat]), shift > 0 ? 180 : -180);
        if (ring.length < 3) continue;
        let last = '';
        let path = '';
        for (const p of ring.map(project)) {
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
