// Central finite differences for gradient checks (helper, not a test file).

/** Max relative error |g − ĝ| / max(|g| + |ĝ|, floor) over the coordinates in `coords`. */
export function maxRelativeGradientError(
  lossAndGrad: (params: Float64Array, grad: Float64Array) => number,
  params: Float64Array,
  coords: number[],
  h = 1e-6,
): number {
  const grad = new Float64Array(params.length);
  lossAndGrad(params, grad);
  const scratch = new Float64Array(params.length);
  let worst = 0;
  for (const j of coords) {
    const keep = params[j];
    params[j] = keep + h;
    const up = lossAndGrad(params, scratch);
    params[j] = keep - h;
    const down = lossAndGrad(params, scratch);
    params[j] = keep;
    const numeric = (up - down) / (2 * h);
    const err = Math.abs(numeric - grad[j]) / Math.max(Math.abs(numeric) + Math.abs(grad[j]), 1e-8);
    if (err > worst) worst = err;
  }
  return worst;
}
