// How messages name a turn of a dialogue and an image in it: counted from 1, as people count and as the
// evidence does ("turn 3 (dialogue[2], characters 18–21)"), with the JSON path beside it. A bare "turn 1"
// was read as the first turn where it meant dialogue[1].
export function turnName(t: number): string {
  return `turn ${t + 1} (dialogue[${t}])`;
}

export function turnImageName(t: number, k: number): string {
  return `image ${k + 1} of turn ${t + 1} (dialogue[${t}].images[${k}])`;
}

/**
 * The name of a dialogue image sent as bytes, which no file name names: where it sits, after its
 * sample's id when there is one to give (`r1-turn3-image1`). Unique within the sample: named by their
 * place in the turn alone, the first images of two turns shared a name.
 */
export function inlineImageName(t: number, k: number, owner?: string): string {
  return `${owner === undefined ? '' : `${owner}-`}turn${t + 1}-image${k + 1}`;
}
