/** The events the plan tests build pipelines over: clicks and purchases of a shop. */
export interface Click {
  type: 'click';
  user: string;
  page: string;
  ts: number;
}

export interface Purchase {
  type: 'purchase';
  user: string;
  amount: number;
  ts: number;
}

export type Event = Click | Purchase;
