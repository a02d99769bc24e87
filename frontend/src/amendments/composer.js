// What the amendment composer sends to the API: the fields the chosen kind of amendment uses, and no others.

/**
 * The body of `POST /api/bills/<id>/amendments` for what the composer holds. A new provision's number and heading
 * go only with "insert a new provision" (a text amendment changes words only: the API refuses a `num` or `heading`
 * other than the provision's own), and leaving a provision out has no words of its own.
 */
export function proposal({ eid, action, text, justification, num, heading }) {
  const body = { eid, action, justification };
  if (action !== 'delete') body.text = text;
  if (action === 'insert_after') {
    if (num) body.num = num;
    if (heading) body.heading = heading;
  }
  return body;
}
