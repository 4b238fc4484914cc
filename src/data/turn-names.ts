// How messages name a turn of a dialogue and an image in it: counted from 1, as people count and as the
// evidence does ("turn 3 (dialogue[2], characters 18–21)"). A bare "turn 1" was read as the first turn
// where it meant the second. The JSON path goes beside it only where the position is one in a native
// record's `dialogue` list: a parsed sample's turns may also come from a challenge instruction, or start
// with a scene record's `image`.
export function turnName(t: number): string {
  return `turn ${t + 1}`;
}

/** A turn of a native record's `dialogue` list: `turn 2 (dialogue[1])`. */
export function dialogueTurnName(t: number): string {
  return `turn ${t + 1} (dialogue[${t}])`;
}

/** An image of a native record's `dialogue` list: `image 1 of turn 2 (dialogue[1].images[0])`. */
export function dialogueImageName(t: number, k: number): string {
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
