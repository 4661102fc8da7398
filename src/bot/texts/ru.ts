import { h } from './html.js';

/**
 * The Russian catalogue (the original's language and the default). Every user-visible string lives
 * here and in en.ts; the `Texts` type makes a key missing in one language a compile error.
 * Functions take raw values and escape them themselves, so callers can't forget.
 */
export const ru = {
  description: 'Бот для управления магазинами.',
  commandStart: 'Начало работы.',
  commandHelp: 'Справка о работе бота.',
  commandMenu: 'Переход в основное меню.',
  commandCancel: 'Отменить команду и вернуться в главное меню.',

  chooseRole: 'Выберите роль:',
  roleAdmin: 'Админ',
  roleSeller: 'Продавец',
  enterUsername: 'Введите ваш Username:',
  enterPassword: 'Введите пароль:',
  passwordReceived: 'Пароль получен. Ожидайте.',
  loggedInAdmin: '✅ Вы вошли в систему как Администратор.',
  wrongCredentials: '❌ Неверный username или password.\nВы можете ввести пароль повторно:',
  enterApiKey: 'Введите API key 🔑 вашего магазина:',
  apiKeyReceived: 'API key получен.\nОжидайте.',
  loggedInSeller: '✅ Вы вошли в систему как Продавец.',
  wrongApiKey: '❌ Неверный API key 🔑, пожалуйста повторите ввод:',
  loginLocked: (minutes: number) =>
    `⏳ Слишком много неудачных попыток входа. Попробуйте снова через ${minutes} мин.`,
  alreadyLoggedIn: 'Вы уже вошли в систему. Чтобы сменить роль, используйте /sign_out.',
  adminRevoked: '🔑 Ваш доступ администратора отозван. Войдите снова.',

  mainMenu: (fullName: string, role: string) => `Главное меню (${h(fullName)}: ${role}):`,
  help: (admin: string | undefined) =>
    [
      'Бот управляется в основном кнопками под сообщениями.',
      'Если кнопки перестали работать, воспользуйтесь командами — они доступны всегда:',
      '/start — начать диалог;',
      '/menu — открыть главное меню;',
      '/cancel — отменить ввод и вернуться в главное меню.',
      '',
      'Текст, начинающийся с «/», считается командой, поэтому не используйте пароли и ключи, начинающиеся с «/».',
      admin ? `По остальным вопросам обращайтесь к администратору @${h(admin)}.` : '',
      '',
      '❗️ Служебные команды:',
      '/sign_out — выйти, чтобы войти заново: сменить роль или обновить данные, например username.',
    ]
      .filter((line, i, all) => line !== '' || all[i - 1] !== '')
      .join('\n'),

  subscriptionStatus: (username: string, paidUntil: string | null, active: boolean) =>
    `Подписка пользователя <code>${h(username)}</code>: ` +
    (active ? (paidUntil ? `активна до ${paidUntil}` : 'активна') : 'не активна'),
  invoiceTitle: 'Плата за подписку',
  invoiceDescription: (days: number) =>
    `Оплачивая подписку, вы получаете доступ к управлению магазинами на ${days} дн.`,
  invoiceLabel: 'Подписка',
  noPaymentNeeded: 'Ваша подписка бессрочна: оплата не нужна.',
  paymentsUnavailable: 'Оплата сейчас недоступна. Обратитесь к администратору.',
  preCheckoutFailed: 'Что-то пошло не так... Платёж не принят, деньги не списаны.',
  preCheckoutNotNeeded: 'Ваша подписка теперь бессрочна: оплата не нужна, деньги не списаны.',
  invoiceOutdated:
    'Этот счёт устарел, деньги не списаны. Откройте «Подписка» и нажмите «Оплатить подписку», чтобы получить новый.',
  paymentSucceeded: (paidUntil: string) => `Вы успешно оплатили подписку 🎉. Она активна до ${paidUntil}.`,

  addShopPrompt: 'Добавить магазин по API key.\nВведите API key 🔑:',
  shopAdded: (name: string) => `✅ Магазин <code>${h(name)}</code> добавлен.`,
  shopAlreadyLinked: (name: string) => `Магазин <code>${h(name)}</code> уже привязан к вам.`,
  unlinkTitle: 'Открепление магазина.',
  unlinkConfirm: (name: string) => `Открепить магазин <code>${h(name)}</code>?`,

  shopListTitle: 'Доступные магазины и их активность:',
  shopListEmpty: 'Магазинов пока нет.',
  shopMenu: (name: string) => `Магазин: <code>${h(name)}</code>`,
  shopInfo: (name: string, vendor: string, active: boolean, updatePrices: boolean) =>
    `<b>Детальная информация о магазине:</b>\n` +
    `Название: <code>${h(name)}</code>\n` +
    `Поставщик: <code>${h(vendor)}</code>\n` +
    `Активен: ${active ? '✅' : '❌'}\n` +
    `Обновлять цены: ${updatePrices ? '✅' : '❌'}`,
  activationScreen: (name: string, active: boolean) =>
    `Магазин: <code>${h(name)}</code>\nАктивен: ${active ? '🟢' : '🔴'}`,
  pricesScreen: (name: string, on: boolean) =>
    `Магазин: <code>${h(name)}</code>\nОбновление цен: ${on ? 'ВКЛ' : 'ВЫКЛ'}`,
  shopGone: 'Этот магазин больше недоступен.',

  banned: '🚫 Вы забанены. Обратитесь в службу поддержки.',
  unbanned: '🎉 Вы разбанены!',
  notActive: '🔒 Ваш аккаунт не активен. Оформите подписку для использования сервиса.',
  buttonOutdated: 'Извините, эта кнопка устарела 😕 Вот актуальное меню.',
  cancelled: 'Команда отменена. Ввод данных с клавиатуры больше не ожидается.',
  nothingToCancel: 'Нет активной команды для отмены. Бот не ожидал ввода данных.',
  unexpectedText:
    'Сейчас бот не ожидает ввода текста. Используйте кнопки, чтобы управлять ботом. Для справки нажмите /help.',
  unexpectedTextDeleted:
    'Сейчас бот не ожидает ввода текста. Сообщение похоже на ключ или пароль, поэтому мы его удалили. Для справки нажмите /help.',
  inputExpired: 'Время ожидания ввода истекло. Начните заново.',
  unknownCommand: 'Такой команды не существует. Используйте /help, чтобы получить список команд.',
  somethingWentWrong: '⚠️ Что-то пошло не так. Пожалуйста, попробуйте ещё раз.',

  btnAdmin: 'Админ',
  btnSeller: 'Продавец',
  btnBack: '⟵',
  btnCancel: 'Отмена',
  btnEnterUsername: 'Ввести username',
  btnHelp: '❔ Помощь ❔',
  btnSubscription: '⚡️ Подписка ⚡️',
  btnShopList: '📋 Список магазинов 📋',
  btnAddShop: '➕ Добавить магазин ➕',
  btnUnlinkShop: '➖ Отвязать магазин ➖',
  btnShopInfo: 'ℹ️ Информация о магазине ℹ️',
  btnActivation: '🔘 Активация 🔘',
  btnPrices: '💰 Обновление цен 💰',
  btnDeactivate: '⏹ Деактивировать ⏹',
  btnActivate: '▶️ Активировать ▶️',
  btnPricesOff: '⏹ Выключить ⏹',
  btnPricesOn: '▶️ Включить ▶️',
  btnYes: 'Да',
  btnNo: 'Нет',
  btnPay: '💸 Оплатить подписку 💸',
  btnMenu: '🏠 Главное меню',

  toastMenu: 'Главное меню',
  toastHelp: 'Помощь',
  toastSubscription: 'Подписка',
  toastAddShop: 'Добавление магазина',
  toastUnlinkList: 'Открепление магазинов',
  toastShopList: 'Список магазинов',
  toastShopMenu: 'Меню магазина',
  toastShopInfo: 'Информация о магазине',
  toastActivation: 'Активация',
  toastPrices: 'Обновление цен',
  toastActivated: 'Магазин активирован',
  toastDeactivated: 'Магазин деактивирован',
  toastPricesOn: 'Обновление цен включено',
  toastPricesOff: 'Обновление цен выключено',
  toastAlreadySet: 'Уже установлено',
  toastUnlinked: (name: string) => `Магазин «${name}» откреплён.`,
  toastCancel: 'Отмена',
  toastOutdated: 'Кнопка устарела',
  toastPage: 'Номер страницы',
  toastError: 'Что-то пошло не так',
  toastBanned: 'Доступ запрещён',
  toastNotActive: 'Нужна подписка',
  toastLogin: 'Войдите в систему',

  btnSupport: '💬 Поддержка',
  btnSharePhone: '📞 Поделиться телефоном',
  btnSendPhone: '📞 Отправить мой номер',
  supportPhonePrompt:
    'Операторы смогут написать вам первыми по номеру телефона. Нажмите кнопку ниже, чтобы поделиться им (хранится только номер).',
  supportPhoneSaved: '✅ Спасибо, номер телефона сохранён.',
  btnEndConversation: '✅ Завершить диалог',
  btnBackToMenu: '🏠 Назад в меню',
  commandSupport: 'Написать в поддержку.',
  supportIntro:
    '💬 Вы пишете в поддержку. Всё, что вы отправите (текст, фото, файлы, голосовые, видео, стикеры), получат операторы; их ответы придут сюда.\nЧтобы выйти, нажмите «Назад в меню».',
  supportOffHours: (hours: string) =>
    `🌙 Сейчас нерабочее время поддержки${hours ? ` (часы работы: ${h(hours)})` : ''}. Напишите — операторы ответят, когда начнут работу.`,
  supportUnavailable: 'Поддержка сейчас недоступна. Попробуйте позже.',
  supportBanned: '⛔️ Вам закрыт доступ к поддержке.',
  supportRateLimited: (perMinute: number) =>
    `⏳ Слишком много сообщений: в поддержку можно отправить не больше ${perMinute} в минуту. Подождите минуту и отправьте ещё раз.`,
  supportPoll: 'Опрос нельзя переслать в поддержку. Опишите вопрос текстом.',
  supportDice: 'Кубик нельзя переслать в поддержку.',
  supportOther: 'Такое сообщение нельзя переслать в поддержку. Отправьте текст, фото или файл.',
  supportTooLarge: (mb: number) => `Файл слишком большой для поддержки: не больше ${mb} МБ.`,
  supportFrom: (name: string | undefined) =>
    name ? `💬 <b>Поддержка · ${h(name)}</b>` : '💬 <b>Поддержка</b>',
  supportEnded: '✅ Диалог завершён. Следующее сообщение в поддержку начнёт новый.',
  supportNothingToEnd: 'Открытого диалога нет.',
  supportWaiting: '⏳ Ждём оператора: он ответит здесь.',
  supportJoined: (name: string) => `👤 ${h(name || 'Оператор')} подключился к диалогу.`,
  supportClosedByOperator: '✅ Поддержка завершила диалог. Напишите снова, если понадобится.',
  supportRejected: '❌ Поддержка не смогла принять ваше сообщение. Попробуйте отправить его иначе.',
  supportFileTooLarge: (name: string, mb: number) =>
    `📎 ${h(name)}: файл больше ${h(String(mb))} МБ, отправить его сюда нельзя.`,
  supportUndelivered: '❌ Сообщение не удалось доставить в поддержку за сутки. Отправьте его ещё раз.',
  toastSupport: 'Поддержка',
};
