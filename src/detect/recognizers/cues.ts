/**
 * Context cues (as in Presidio: context words that make a weak pattern count). Each cue is a
 * word that, when it precedes a value, says what the value is.
 */

/** Strong name cues: what follows is a name whatever its surname. */
export const NAME_CUES_ZH = ['我叫', '名叫', '姓名', '名字叫', '名字是', '联系人', '收件人', '收货人', '本人', '患者', '持卡人'] as const;
export const WECHAT_CUES_ZH = ['微信号', '微信'] as const;
/** Honorifics that follow a Chinese name (王芳女士, 张先生): the name is read backwards from them. */
export const TITLES_AFTER_NAME_ZH = ['先生', '女士', '小姐'] as const;
/**
 * Common one-character surnames (well over 80% of people). A name read backwards from a title
 * must start with one of these or a compound surname, so 我先生 (my husband), 这位女士 or
 * 首先生成 stay intact. Left out on purpose: surnames that are also everyday prepositions or
 * adverbs right before 先生 (于, 向, 常), where a false match would be likelier than a name.
 */
export const COMMON_SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤康易乔赖文施洪牛柳樊殷葛欧';
/** Latin honorifics that precede a name (`Mr. Zhang Wei`, `Dr Smith`); `Miss` is left out, being also a verb. */
export const TITLES_BEFORE_NAME_EN = ['Mr', 'Mrs', 'Ms', 'Dr'] as const;
/** Lead-ins stripped from the start of a Chinese address. */
export const ADDRESS_LEAD_INS = ['住在', '住址', '地址', '位于', '寄到', '送到', '发到', '搬到', '来自', '在'] as const;

/** Single characters that end a Chinese name (particles and verbs that follow names). */
export const NAME_STOP = new Set('的是在和与跟给把被从向对说了吗呢吧啊，。、；：！？,.;:!? \t\r\n'.split(''));
/** Words that end a Chinese name: titles and the cue of the next field. */
export const NAME_TITLES = ['先生', '女士', '小姐', '同学', '老师', '师傅', '经理', '总监', '医生', '电话', '手机', '身份', '联系', '微信', '邮箱', '地址', '住在', '今年', '今天', '家住', '来自'] as const;

export const PROVINCE_NAMES = [
  '北京', '天津', '上海', '重庆', '河北', '山西', '辽宁', '吉林', '黑龙江', '江苏', '浙江', '安徽', '福建', '江西',
  '山东', '河南', '湖北', '湖南', '广东', '海南', '四川', '贵州', '云南', '陕西', '甘肃', '青海', '台湾', '内蒙古',
  '广西', '西藏', '宁夏', '新疆', '香港', '澳门',
] as const;
