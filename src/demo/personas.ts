/**
 * Who can be played in the sandbox's web chat. Seller one, seller two and the admin are the
 * fixture's people (fixtures/README.md): their keys and the staff password are public demo data.
 * A new user is someone the bot has never seen, with an id of their own per browser tab.
 */
export const PERSONA_IDS = ['seller-one', 'seller-two', 'admin', 'new-user'] as const;
export type PersonaId = (typeof PERSONA_IDS)[number];
export const LANGUAGES = ['ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface Persona {
  id: PersonaId;
  /** Fixed Telegram ids for the fixture's people; a new user's is handed out per tab. */
  telegramId?: number;
  firstName: Record<Language, string>;
  username?: string;
  /** What to type, shown beside the chat: shop keys, or the staff login. */
  secrets: { label: Record<Language, string>; value: string }[];
}

/** The staff account of fixtures/demo.json: the panel's login and the bot's admin login. */
export const STAFF = { username: 'admin', password: 'demo-admin-hgm319y5' } as const;

/** The first shop key of each seller, and a shop nobody in the sandbox has taken for the new user. */
export const KEYS = {
  sellerOne: [
    'mk_axe4uMtMfn3RRtqIidynVUuPeOAL2YGV',
    'mk_KO_gGAMyrUF0hrWHsp5RZndflKFGS2q3',
    'mk_BMZSDN-8AQkvjdGSDFzjwdPpedRO0OeJ',
  ],
  sellerTwo: ['mk_2HHCLnboWKd5KCDneC3pBBOjn3QTHWJH', 'mk_9UO2ZheWycDmT3e4wSCZn-cbLG_E8qQq'],
  newUser: 'mk_NNVFv336iqHtJZ-1x2DFsb6np3tA06hN',
} as const;

const shopKey = (ru: string, en: string, value: string) => ({ label: { ru, en }, value });

export const PERSONAS: Record<PersonaId, Persona> = {
  'seller-one': {
    id: 'seller-one',
    telegramId: 7_000_001,
    firstName: { ru: 'Анна', en: 'Anna' },
    username: 'anna_shops',
    secrets: [
      shopKey('Ключ «Домашний уют»', 'Key of «Домашний уют»', KEYS.sellerOne[0]),
      shopKey('Ключ «Уютный дом Плюс»', 'Key of «Уютный дом Плюс»', KEYS.sellerOne[1]),
      shopKey('Ключ «Текстиль для дома»', 'Key of «Текстиль для дома»', KEYS.sellerOne[2]),
    ],
  },
  'seller-two': {
    id: 'seller-two',
    telegramId: 7_000_002,
    firstName: { ru: 'Борис', en: 'Boris' },
    username: 'boris_gadgets',
    secrets: [
      shopKey('Ключ «ТехноМир»', 'Key of «ТехноМир»', KEYS.sellerTwo[0]),
      shopKey('Ключ «Гаджет Маркет»', 'Key of «Гаджет Маркет»', KEYS.sellerTwo[1]),
    ],
  },
  admin: {
    id: 'admin',
    telegramId: 7_000_003,
    firstName: { ru: 'Ольга', en: 'Olga' },
    username: 'olga_admin',
    secrets: [
      { label: { ru: 'Имя пользователя', en: 'Username' }, value: STAFF.username },
      { label: { ru: 'Пароль', en: 'Password' }, value: STAFF.password },
    ],
  },
  'new-user': {
    id: 'new-user',
    firstName: { ru: 'Гость', en: 'Guest' },
    secrets: [shopKey('Ключ «Всё для сада»', 'Key of «Всё для сада»', KEYS.newUser)],
  },
};

/** New users get ids from here up, one per tab that asks (ids above the fixture's people). */
export const FIRST_NEW_USER_ID = 7_100_000;

export const isPersonaId = (v: unknown): v is PersonaId =>
  typeof v === 'string' && (PERSONA_IDS as readonly string[]).includes(v);
export const isLanguage = (v: unknown): v is Language =>
  typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);

/**
 * The support desk's forum in the sandbox: a supergroup with Topics the stand-in plays, the bot an
 * administrator in it, and one operator the operator's pane writes as.
 */
export const SUPPORT_FORUM = {
  name: 'sandbox-forum',
  chatId: -1_001_000_000_777,
  title: 'Market Bot support',
  /** The language of what the bot writes for operators (the seller card, its notices). */
  language: 'en',
  operator: { id: 7_000_100, first_name: 'Olga', last_name: '(operator)', username: 'olga_operator' },
} as const;
