import type { Catalogue } from './en.js';

/** The panel in Russian: the same keys as en.ts (the type makes a missing or extra key a build error). */

const yesNo = { true: 'Да', false: 'Нет' };

/** 1 пользователь, 2 пользователя, 5 пользователей. */
function plural(n: number, one: string, few: string, many: string): string {
  const ten = n % 10;
  const hundred = n % 100;
  if (ten === 1 && hundred !== 11) return one;
  if (ten >= 2 && ten <= 4 && (hundred < 12 || hundred > 14)) return few;
  return many;
}
const users = (n: number) => plural(n, 'пользователя', 'пользователей', 'пользователей');

export const ru: Catalogue = {
  adminjs: {
    actions: {
      new: 'Создать',
      edit: 'Изменить',
      show: 'Просмотр',
      delete: 'Удалить',
      bulkDelete: 'Удалить все',
      list: 'Список',
      search: 'Поиск',
    },
    buttons: {
      save: 'Сохранить',
      addNewItem: 'Добавить элемент',
      filter: 'Фильтр',
      filterActive: 'Фильтр ({{count}})',
      applyChanges: 'Применить',
      resetFilter: 'Сбросить',
      confirmRemovalMany: 'Подтвердить удаление записей: {{count}}',
      confirmRemovalMany_plural: 'Подтвердить удаление записей: {{count}}',
      logout: 'Выйти',
      login: 'Войти',
      seeTheDocumentation: 'См.: <1>документацию</1>',
      createFirstRecord: 'Создать первую запись',
      cancel: 'Отмена',
      confirm: 'Подтвердить',
      contactUs: 'Связаться с нами',
    },
    components: {
      DropZone: {
        placeholder: 'Перетащите файл сюда или нажмите, чтобы выбрать',
        acceptedSize: 'Наибольший размер: {{maxSize}}',
        acceptedType: 'Поддерживается: {{mimeTypes}}',
        unsupportedSize: 'Файл {{fileName}} слишком большой',
        unsupportedType: 'Тип файла {{fileName}} не поддерживается: {{fileType}}',
      },
      LanguageSelector: { availableLanguages: { ru: 'Русский', en: 'English' } },
      Login: {
        welcomeHeader: 'market-bot: панель управления',
        welcomeMessage: 'Только для сотрудников: войдите со своей учётной записью.',
        properties: { email: 'Имя пользователя', password: 'Пароль' },
        loginButton: 'Войти',
      },
      Dashboard: {
        title: 'market-bot: панель управления',
        intro: 'Продавцы, сотрудники и магазины с первого взгляда. Цифры прочитаны при открытии страницы.',
        readAt: 'Прочитано в {{time}} ({{timeZone}})',
        sellers: 'Продавцы',
        admins: 'Администраторы',
        banned: 'Заблокированы',
        inactive: 'Неактивны',
        activeShops: 'Активные магазины',
        inactiveShops: 'Неактивные магазины',
        paymentsThisMonth: 'Платежей в этом месяце',
        paidThisMonth: 'Оплачено в этом месяце',
        loadFailed: 'Не удалось загрузить цифры.',
      },
      ConfirmAction: {
        count: '{{label}}: записей — {{count}}',
        confirm: 'Подтвердить: {{label}}',
        noName: '(без имени)',
        requestFailed: 'Запрос не удался.',
      },
      ApiKeyAction: {
        newShopTitle: 'API-ключ нового магазина',
        shop: 'Магазин',
        currentPrefix: 'начало текущего ключа',
        copyNow: 'Скопируйте ключ сейчас: он показывается один раз и нигде не хранится.',
        newKeyLabel: 'Новый API-ключ (оставьте пустым, чтобы создать случайный)',
        oldStops:
          'Старый ключ сразу перестанет работать; продавцы, привязанные к магазину, останутся привязаны.',
        alreadyShown: 'Этот ключ уже был показан. Если он потерян, задайте новый.',
        submit: 'Задать новый API-ключ',
        requestFailed: 'Запрос не удался.',
      },
      Select: { placeholder: 'Выберите…', noOptions: 'Ничего не найдено', loading: 'Загрузка…' },
      Account: {
        title: 'Моя учётная запись',
        intro: 'Язык и часовой пояс панели. Они хранятся в вашей учётной записи.',
        language: 'Язык',
        languageBrowser: 'Язык браузера',
        timeZone: 'Часовой пояс',
        timeZoneDefault: 'По умолчанию ({{timeZone}})',
        now: 'Сейчас в этом поясе: {{time}}',
        save: 'Сохранить',
        saved: 'Сохранено',
        requestFailed: 'Запрос не удался.',
      },
    },
    labels: {
      navigation: 'Навигация',
      pages: 'Страницы',
      selectedRecords: 'Выбрано ({{selected}})',
      filters: 'Фильтры',
      adminVersion: 'Панель: {{version}}',
      appVersion: 'Приложение: {{version}}',
      dashboard: 'Главная',
      telegram: 'Telegram',
      shops: 'Магазины',
      staff: 'Сотрудники',
      records: 'Журналы',
      isActive: yesNo,
      isBanned: yesNo,
      isLoggedOut: yesNo,
      isReachable: yesNo,
      updatePrices: yesNo,
      isStaff: yesNo,
      isSuperuser: yesNo,
    },
    properties: {
      length: 'Длина',
      from: 'С',
      to: 'По',
      id: 'ID',
      createdAt: 'Создан',
      updatedAt: 'Изменён',
      name: 'Название',
      username: 'Имя пользователя',
      email: 'Эл. почта',
      isActive: 'Активен',
    },
    pages: { account: 'Моя учётная запись' },
    messages: {
      successfullyBulkDeleted: 'Удалено записей: {{count}}',
      successfullyBulkDeleted_plural: 'Удалено записей: {{count}}',
      successfullyDeleted: 'Запись удалена',
      successfullyUpdated: 'Запись сохранена',
      thereWereValidationErrors: 'Есть ошибки в полях — см. ниже',
      forbiddenError: 'Действие {{actionName}} в разделе {{resourceId}} вам недоступно',
      anyForbiddenError: 'Это действие вам недоступно',
      successfullyCreated: 'Запись создана',
      bulkDeleteError: 'Не удалось удалить записи. Подробности — в консоли браузера',
      errorFetchingRecords: 'Не удалось загрузить записи. Подробности — в консоли браузера',
      errorFetchingRecord: 'Не удалось загрузить запись. Подробности — в консоли браузера',
      noRecordsSelected: 'Записи не выбраны',
      theseRecordsWillBeRemoved: 'Будет удалена запись',
      theseRecordsWillBeRemoved_plural: 'Будут удалены записи',
      pickSomeFirstToRemove: 'Чтобы удалить записи, сначала выберите их',
      error404Resource: 'Раздел {{resourceId}} не найден',
      error404Action: 'В разделе {{resourceId}} нет действия {{actionName}}, или оно вам недоступно',
      error404Record: 'В разделе {{resourceId}} нет записи {{recordId}}, или она вам недоступна',
      seeConsoleForMore: 'Подробности — в консоли браузера…',
      noActionComponent: 'У действия нет компонента',
      noRecordsInResource: 'В этом разделе нет записей',
      noRecords: 'Нет записей',
      confirmDelete: 'Удалить эту запись?',
      invalidCredentials: 'Неверное имя пользователя или пароль',
      keyPlaceholder: 'КЛЮЧ',
      valuePlaceholder: 'ЗНАЧЕНИЕ',
      initialKey: 'Ключ-{{number}}',
      keyInUse: 'Ключи должны быть разными',
      keyValuePropertyDefaultDescription:
        'Все значения хранятся как текст. Ключи должны быть разными, повторы не сохраняются.',
      pageNotFound_title: 'Страница не найдена',
      pageNotFound_subtitle: 'Страницы <strong>«{{pageName}}»</strong> нет',
      componentNotFound_title: 'Компонент не задан',
      componentNotFound_subtitle: 'Укажите компонент, который показывает этот элемент',
      // New sentences of the panel's flows: the same keys as in en.ts, here in Russian.
    },
  },

  resources: {
    TelegramUser: {
      labels: {
        TelegramUser: 'Пользователи Telegram',
        role: { admin: 'Администратор', seller: 'Продавец' },
      },
      actions: {
        links: 'Привязки к магазинам',
        ban: 'Заблокировать',
        bulkBan: 'Заблокировать',
        unban: 'Разблокировать',
        bulkUnban: 'Разблокировать',
        activate: 'Активировать',
        bulkActivate: 'Активировать',
        deactivate: 'Деактивировать',
        bulkDeactivate: 'Деактивировать',
      },
      properties: {
        telegramId: 'Telegram ID',
        chatId: 'ID чата',
        firstName: 'Имя',
        lastName: 'Фамилия',
        languageCode: 'Язык',
        role: 'Роль',
        isBanned: 'Заблокирован',
        subscriptionPaidUntil: 'Оплачено до',
        isLoggedOut: 'Вышел',
        isReachable: 'Доступен',
      },
      messages: {},
    },
    ShopLink: {
      labels: {
        ShopLink: 'Привязки к магазинам',
        source: { login: 'Вход', add: 'Добавлен', admin: 'Панель' },
      },
      actions: {},
      properties: { telegramUserId: 'Пользователь Telegram', shopId: 'Магазин', source: 'Источник' },
      messages: { sourceHelp: 'Как появилась привязка; созданные здесь — «Панель».' },
    },
    Payment: {
      labels: { Payment: 'Платежи' },
      actions: {},
      properties: {
        telegramChargeId: 'ID платежа в Telegram',
        providerChargeId: 'ID платежа у провайдера',
        amount: 'Сумма',
        currency: 'Валюта',
        payerTelegramId: 'Telegram ID плательщика',
        telegramUserId: 'Пользователь Telegram',
        paidUntil: 'Оплачено до',
      },
      messages: { amountHelp: 'В копейках (в сотых долях валюты).' },
    },
    Shop: {
      labels: { Shop: 'Магазины' },
      actions: {
        links: 'Привязки к магазинам',
        setApiKey: 'Задать новый API-ключ',
        revealApiKey: 'API-ключ',
      },
      properties: {
        slug: 'Слаг',
        apiKey: 'API-ключ',
        apiKeyPrefix: 'Начало ключа',
        clientId: 'Client ID',
        vendorName: 'Продавец',
        updatePrices: 'Обновлять цены',
      },
      messages: {
        apiKeyPrefixHelp: 'Первые символы ключа, чтобы различать ключи. Сам ключ не хранится.',
        slugHelp: 'Оставьте пустым, чтобы получить его из названия.',
        apiKeyHelp:
          'Необязательно: оставьте пустым, чтобы создать случайный ключ. Он будет показан один раз, после сохранения.',
      },
    },
    Storage: {
      labels: { Storage: 'Склады' },
      actions: {},
      properties: { ozonId: 'Ozon ID', shopId: 'Магазин' },
      messages: {},
    },
    User: {
      labels: { User: 'Учётные записи сотрудников' },
      actions: {},
      properties: {
        isStaff: 'Сотрудник',
        isSuperuser: 'Суперпользователь',
        password: 'Пароль',
        lastLogin: 'Последний вход',
        dateJoined: 'Зарегистрирован',
      },
      messages: {
        passwordHelp:
          'Новой учётной записи он нужен; при изменении оставьте пустым, чтобы сохранить текущий.',
      },
    },
    Group: {
      labels: { Group: 'Группы' },
      actions: {},
      properties: {},
      messages: {},
    },
    UserGroup: {
      labels: { UserGroup: 'Участие в группах' },
      actions: {},
      properties: { userId: 'Учётная запись', groupId: 'Группа' },
      messages: {},
    },
    AuditLog: {
      labels: { AuditLog: 'Журнал действий' },
      actions: {},
      properties: {
        actorId: 'ID учётной записи',
        actorUsername: 'Кто',
        action: 'Действие',
        resource: 'Раздел',
        recordId: 'Запись',
        before: 'До',
        after: 'После',
      },
      messages: {},
    },
    InboxUpdate: {
      labels: {
        InboxUpdate: 'Входящие обновления',
        status: { pending: 'Ожидает', done: 'Обработано', parked: 'Отложено', rerun: 'К повтору' },
      },
      actions: { rerun: 'Повторить', bulkRerun: 'Повторить' },
      properties: {
        updateId: 'ID обновления',
        kind: 'Тип',
        chatKey: 'Чат',
        status: 'Состояние',
        attempts: 'Прерванных запусков',
        receivedAt: 'Получено',
        doneAt: 'Обработано',
      },
      messages: {
        statusHelp:
          'Отложено: обновление обрабатывалось во время трёх сбоев подряд и было отложено. Повторите его, когда причина устранена.',
      },
    },
  },

  server: {
    notices: {
      banned: (n, asked) => `Заблокировано ${n} из ${asked} ${users(asked)}; каждому отправлено уведомление`,
      unbanned: (n, asked) => `Разблокировано ${n} из ${asked} ${users(asked)}`,
      activated: (n, asked) => `Активировано ${n} из ${asked} ${users(asked)}`,
      deactivated: (n, asked) => `Деактивировано ${n} из ${asked} ${users(asked)}`,
      rerun: (n, asked) => `Будет повторено в течение нескольких секунд: ${n} из ${asked}`,
      shopCreated: () => 'Магазин создан: скопируйте его API-ключ сейчас, он показывается один раз',
      apiKeySet: () => 'Новый API-ключ задан: скопируйте его сейчас, он показывается один раз',
      keyAlreadyShown: () => 'Этот ключ уже был показан (или срок его показа истёк)',
      shopsDeleted: (n) => `Удалено магазинов: ${n}`,
      shopsPartlyDeleted: (deleted, kept, reasons) => `Удалено: ${deleted}; оставлено: ${kept}: ${reasons}`,
      required: () => 'Обязательное поле',
      saved: () => 'Сохранено',
      // New notices of the panel's own code: the same keys as in en.ts, here in Russian.
    },
    lockout: (minutes) =>
      `Слишком много неудачных попыток, попробуйте через ${minutes} ${plural(minutes, 'минуту', 'минуты', 'минут')}`,
  },
};
