/** Test-only: the ShipshapeError a call ends with; the test fails if it succeeds or throws anything else. */
import { isShipshapeError, type ShipshapeError } from '../errors';

export async function shipshapeFailure(promise: Promise<unknown>): Promise<ShipshapeError> {
  try {
    await promise;
  } catch (error) {
    if (isShipshapeError(error)) return error;
    throw error;
  }
  throw new Error('expected a ShipshapeError, but the call succeeded');
}
