/** What a keyed tumbling count must give: clicks per `user@windowStart`, computed straight from the input. */
export const countPerWindow = (
  events: number,
  click: (i: number) => { readonly user_id: string; readonly timestamp: number },
  windowMs: number,
): Map<string, number> => {
  const counts = new Map<string, number>();
  for (let i = 0; i < events; i++) {
    const { user_id, timestamp } = click(i);
    const id = `${user_id}@${timestamp - (timestamp % windowMs)}`;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
};
