/** WeChat ids after a cue (`微信：wxid_abc123`, `WeChat: zhang_san88`): 6-20 characters, starting with a letter. */
const WX_RE = /(?:wxid_[A-Za-z0-9]{6,20}|[A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9@.])/y;

export function wechatAt(text: string, i: number): number {
  WX_RE.lastIndex = i;
  return WX_RE.test(text) ? WX_RE.lastIndex : -1;
}
