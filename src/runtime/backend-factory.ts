// The factory backendSource() points workers at: the recognisers of a backend selection.
import { createRecognizers, type BackendSelection, type RecognizerSet } from '../backends/select.js';

export function createRecognizerSet(args: unknown): Promise<RecognizerSet> {
  return createRecognizers(args as BackendSelection);
}
