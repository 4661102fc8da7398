/**
 * The panel in English. ru.ts has the same keys (the Catalogue type makes a missing or extra key a
 * build error). `adminjs` is AdminJS's own vocabulary (buttons, messages, components…), `resources`
 * each resource's names, fields, actions and help texts, `server` the sentences the panel's own
 * code writes (notices of custom actions, the login lockout). `{{x}}` is filled in by AdminJS
 * (i18next) in the browser; `server` sentences are functions, run where they are said.
 */

const yesNo = { true: 'Yes', false: 'No' };

export const en = {
  adminjs: {
    actions: {
      new: 'Create new',
      edit: 'Edit',
      show: 'Show',
      delete: 'Delete',
      bulkDelete: 'Delete all',
      list: 'List',
      search: 'Search',
    },
    buttons: {
      save: 'Save',
      addNewItem: 'Add new item',
      filter: 'Filter',
      filterActive: 'Filter ({{count}})',
      applyChanges: 'Apply changes',
      resetFilter: 'Reset',
      confirmRemovalMany: 'Confirm the removal of {{count}} record',
      confirmRemovalMany_plural: 'Confirm the removal of {{count}} records',
      logout: 'Log out',
      login: 'Log in',
      seeTheDocumentation: 'See: <1>the documentation</1>',
      createFirstRecord: 'Create first record',
      cancel: 'Cancel',
      confirm: 'Confirm',
      contactUs: 'Contact us',
    },
    components: {
      DropZone: {
        placeholder: 'Drop your file here, or click to browse',
        acceptedSize: 'Max size: {{maxSize}}',
        acceptedType: 'Supports: {{mimeTypes}}',
        unsupportedSize: 'File {{fileName}} is too big',
        unsupportedType: 'File {{fileName}} has unsupported type: {{fileType}}',
      },
      LanguageSelector: { availableLanguages: { ru: 'Русский', en: 'English' } },
      Login: {
        welcomeHeader: 'market-bot back office',
        welcomeMessage: 'For staff only: sign in with your staff account.',
        properties: { email: 'Username', password: 'Password' },
        loginButton: 'Sign in',
      },
      Dashboard: {
        title: 'market-bot back office',
        intro: 'Sellers, staff and shops at a glance. Figures are read when the page opens.',
        readAt: 'Read at {{time}} ({{timeZone}})',
        sellers: 'Sellers',
        admins: 'Admins',
        banned: 'Banned',
        inactive: 'Inactive',
        activeShops: 'Active shops',
        inactiveShops: 'Inactive shops',
        paymentsThisMonth: 'Payments this month',
        paidThisMonth: 'Paid this month',
        openConversations: 'Open support conversations',
        relayedToday: 'Support messages today',
        loadFailed: 'The figures could not be loaded.',
      },
      ConfirmAction: {
        count: '{{label}}: {{count}} record(s)',
        confirm: 'Confirm: {{label}}',
        noName: '(no name)',
        requestFailed: 'The request failed.',
      },
      ApiKeyAction: {
        newShopTitle: 'API key of the new shop',
        shop: 'Shop',
        currentPrefix: 'current key prefix',
        copyNow: 'Copy the key now: it is shown only once and is not stored.',
        newKeyLabel: 'New API key (leave empty to generate a random one)',
        oldStops: 'The old key stops working at once; sellers linked to the shop stay linked.',
        alreadyShown: 'This key was already shown. Set a new one if it was lost.',
        submit: 'Set new API key',
        requestFailed: 'The request failed.',
      },
      Select: { placeholder: 'Select…', noOptions: 'Nothing found', loading: 'Loading…' },
      SyncPage: {
        title: 'Shop sync',
        intro:
          'Shops kept in step with the marketplace over RabbitMQ: changes made here wait in the outbox until the broker confirms them; marketplace messages that could not be applied are listed below.',
        off: 'The sync is off (SYNC_AMQP_URL is not set). Shop changes are kept in the outbox until it is turned on.',
        broker: 'Broker',
        since: 'since {{time}}',
        leader: 'publishing from this process',
        state: {
          connected: 'connected',
          connecting: 'connecting',
          disconnected: 'unavailable',
          stopped: 'stopped',
          off: 'off',
        },
        backlog: 'Changes waiting to be sent',
        oldestPending: 'Oldest waiting since',
        lastSent: 'Last sent',
        lastError: 'Last sending error',
        brokerError: 'Broker',
        deadLetters: 'Messages not applied',
        noDeadLetters: 'None.',
        received: 'Received',
        operation: 'Operation',
        reason: 'Reason',
        payload: 'Message (without key)',
        retry: 'Retry',
        dismiss: 'Dismiss',
        requestFailed: 'The request failed.',
      },
      Account: {
        title: 'My account',
        intro: 'Your panel language and time zone. They are kept with your account.',
        language: 'Language',
        languageBrowser: "The browser's language",
        timeZone: 'Time zone',
        timeZoneDefault: 'The default ({{timeZone}})',
        now: 'Now in this time zone: {{time}}',
        save: 'Save',
        saved: 'Saved',
        requestFailed: 'The request failed.',
      },
    },
    labels: {
      navigation: 'Navigation',
      pages: 'Pages',
      selectedRecords: 'Selected ({{selected}})',
      filters: 'Filters',
      adminVersion: 'Admin: {{version}}',
      appVersion: 'App: {{version}}',
      dashboard: 'Dashboard',
      // Navigation groups (src/admin/resources/shared.ts: nav).
      telegram: 'Telegram',
      shops: 'Shops',
      staff: 'Staff',
      records: 'Records',
      support: 'Support',
      // Yes/No of every boolean field.
      isActive: yesNo,
      isBanned: yesNo,
      isLoggedOut: yesNo,
      isReachable: yesNo,
      updatePrices: yesNo,
      isStaff: yesNo,
      isSuperuser: yesNo,
      running: yesNo,
      isDefault: yesNo,
      supportBanned: yesNo,
    },
    properties: {
      length: 'Length',
      from: 'From',
      to: 'To',
      id: 'ID',
      createdAt: 'Created',
      updatedAt: 'Updated',
      name: 'Name',
      username: 'Username',
      email: 'Email',
      isActive: 'Active',
    },
    pages: { account: 'My account', sync: 'Shop sync' },
    messages: {
      successfullyBulkDeleted: 'Successfully removed {{count}} record',
      successfullyBulkDeleted_plural: 'Successfully removed {{count}} records',
      successfullyDeleted: 'Successfully deleted given record',
      successfullyUpdated: 'Successfully updated given record',
      thereWereValidationErrors: 'There are validation errors - check them out below',
      forbiddenError: 'You cannot perform action {{actionName}} on {{resourceId}}',
      anyForbiddenError: 'You cannot perform given action',
      successfullyCreated: 'Successfully created a new record',
      bulkDeleteError: 'There was an error deleting records. Check out console to see more information',
      errorFetchingRecords: 'There was an error fetching records. Check out console to see more information',
      errorFetchingRecord: 'There was an error fetching record. Check out console to see more information',
      noRecordsSelected: 'You have not selected any records',
      theseRecordsWillBeRemoved: 'Following record will be removed',
      theseRecordsWillBeRemoved_plural: 'Following records will be removed',
      pickSomeFirstToRemove: 'In order to remove records, you have to pick them first',
      error404Resource: 'Resource of given id: {{resourceId}} cannot be found',
      error404Action:
        'Resource of given id: {{resourceId}} does not have an action with name: {{actionName}} or you are not authorized to use it!',
      error404Record:
        'Resource of given id: {{resourceId}} does not have a record with id: {{recordId}} or you are not authorized to use it!',
      seeConsoleForMore: 'See development console for more details...',
      noActionComponent: 'You have to implement action component for your Action',
      noRecordsInResource: 'There are no records in this resource',
      noRecords: 'No records',
      confirmDelete: 'Do you really want to remove this item?',
      invalidCredentials: 'Wrong username or password',
      keyPlaceholder: 'KEY',
      valuePlaceholder: 'VALUE',
      initialKey: 'Key-{{number}}',
      keyInUse: 'Object keys must be unique',
      keyValuePropertyDefaultDescription:
        'All values are stored as text. Keys must be unique, duplicate keys will not be saved.',
      pageNotFound_title: 'Page not found',
      pageNotFound_subtitle: 'Page <strong>"{{pageName}}"</strong> does not exist',
      componentNotFound_title: 'No component specified',
      componentNotFound_subtitle: 'You have to specify component which will render this element',
      // New sentences of the panel's flows (notices, hints, errors shown in the browser) go here,
      // under a key of their own, with their Russian in ru.ts (the build fails until both exist).
    },
  },

  resources: {
    TelegramUser: {
      labels: { TelegramUser: 'Telegram users', role: { admin: 'Admin', seller: 'Seller' } },
      actions: {
        links: 'Shop links',
        ban: 'Ban',
        bulkBan: 'Ban',
        unban: 'Unban',
        bulkUnban: 'Unban',
        activate: 'Activate',
        bulkActivate: 'Activate',
        deactivate: 'Deactivate',
        bulkDeactivate: 'Deactivate',
      },
      properties: {
        telegramId: 'Telegram ID',
        chatId: 'Chat ID',
        firstName: 'First name',
        lastName: 'Last name',
        languageCode: 'Language',
        role: 'Role',
        isBanned: 'Banned',
        subscriptionPaidUntil: 'Paid until',
        isLoggedOut: 'Logged out',
        isReachable: 'Reachable',
        supportBanned: 'Banned from support',
      },
      messages: {},
    },
    ShopLink: {
      labels: { ShopLink: 'Shop links', source: { login: 'Login', add: 'Added', admin: 'Panel' } },
      actions: {},
      properties: { telegramUserId: 'Telegram user', shopId: 'Shop', source: 'Source' },
      messages: { sourceHelp: 'How the link was made; links made here are "Panel".' },
    },
    Payment: {
      labels: { Payment: 'Payments' },
      actions: {},
      properties: {
        telegramChargeId: 'Telegram charge ID',
        providerChargeId: 'Provider charge ID',
        amount: 'Amount',
        currency: 'Currency',
        payerTelegramId: 'Payer Telegram ID',
        telegramUserId: 'Telegram user',
        paidUntil: 'Paid until',
      },
      messages: { amountHelp: 'In minor units (kopecks for RUB).' },
    },
    Shop: {
      labels: { Shop: 'Shops' },
      actions: { links: 'Shop links', setApiKey: 'Set new API key', revealApiKey: 'API key' },
      properties: {
        slug: 'Slug',
        apiKey: 'API key',
        apiKeyPrefix: 'Key prefix',
        clientId: 'Client ID',
        vendorName: 'Vendor',
        updatePrices: 'Update prices',
        externalId: 'Marketplace ID',
        syncedAt: 'Last synced',
        version: 'Version',
      },
      messages: {
        apiKeyPrefixHelp:
          'The first characters of the key, to tell keys apart. The key itself is not stored.',
        slugHelp: 'Leave empty to derive it from the name.',
        apiKeyHelp: 'Optional: leave empty to generate a random key. It is shown once, after saving.',
      },
    },
    Storage: {
      labels: { Storage: 'Storages' },
      actions: {},
      properties: { ozonId: 'Ozon ID', shopId: 'Shop' },
      messages: {},
    },
    User: {
      labels: { User: 'Staff accounts' },
      actions: {},
      properties: {
        isStaff: 'Staff',
        isSuperuser: 'Superuser',
        password: 'Password',
        lastLogin: 'Last login',
        dateJoined: 'Joined',
      },
      messages: { passwordHelp: 'New accounts need one; on edit, leave empty to keep the current password.' },
    },
    Group: {
      labels: { Group: 'Groups' },
      actions: {},
      properties: {},
      messages: {},
    },
    UserGroup: {
      labels: { UserGroup: 'Group memberships' },
      actions: {},
      properties: { userId: 'Staff account', groupId: 'Group' },
      messages: {},
    },
    SupportChannel: {
      labels: { SupportChannel: 'Channels' },
      actions: {
        start: 'Start',
        bulkStart: 'Start',
        stop: 'Stop',
        bulkStop: 'Stop',
        makeDefault: 'Make default',
        bulkMakeDefault: 'Make default',
      },
      properties: {
        kind: 'Kind',
        status: 'Status',
        lastError: 'Reason',
        running: 'Running',
        isDefault: 'Default',
        settingsText: 'Settings',
      },
      messages: {
        settingsHelp:
          'One key=value per line (e.g. forumChatId=-1001234567890, workingHours=Mon-Fri 09:00-18:00, timeZone=Europe/Moscow, greeting=…). Secret settings (names ending in token, secret, key, password) are stored encrypted and never shown: type key=value to replace one, key= to remove it; left out, it is kept.',
      },
    },
    SupportConversation: {
      labels: { SupportConversation: 'Conversations', status: { open: 'Open', closed: 'Closed' } },
      actions: {
        close: 'Close',
        bulkClose: 'Close',
        supportBan: 'Ban from support',
        bulkSupportBan: 'Ban from support',
        supportUnban: 'Lift support ban',
        bulkSupportUnban: 'Lift support ban',
      },
      properties: {
        telegramUserId: 'Seller',
        channelId: 'Channel',
        externalId: 'External ID',
        status: 'Status',
        openedAt: 'Opened',
        lastActivityAt: 'Last activity',
        closedAt: 'Closed',
        operatorName: 'Operator',
      },
      messages: {},
    },
    AuditLog: {
      labels: { AuditLog: 'Audit log' },
      actions: {},
      properties: {
        actorId: 'Staff account ID',
        actorUsername: 'Who',
        action: 'Action',
        resource: 'Section',
        recordId: 'Record',
        before: 'Before',
        after: 'After',
      },
      messages: {},
    },
    InboxUpdate: {
      labels: {
        InboxUpdate: 'Update inbox',
        status: { pending: 'Pending', done: 'Done', parked: 'Parked', rerun: 'To re-run' },
      },
      actions: { rerun: 'Re-run', bulkRerun: 'Re-run' },
      properties: {
        updateId: 'Update ID',
        kind: 'Kind',
        chatKey: 'Chat',
        status: 'Status',
        attempts: 'Crashed runs',
        receivedAt: 'Received',
        doneAt: 'Done',
      },
      messages: {
        statusHelp:
          'Parked: the update was being handled during three crashes in a row and was set aside. Re-run it once the cause is fixed.',
      },
    },
  },

  server: {
    notices: {
      banned: (n: number, asked: number) =>
        `Banned ${n} of ${asked} user${asked === 1 ? '' : 's'}; each is sent the ban notice`,
      unbanned: (n: number, asked: number) => `Unbanned ${n} of ${asked} user${asked === 1 ? '' : 's'}`,
      activated: (n: number, asked: number) => `Activated ${n} of ${asked} user${asked === 1 ? '' : 's'}`,
      deactivated: (n: number, asked: number) => `Deactivated ${n} of ${asked} user${asked === 1 ? '' : 's'}`,
      rerun: (n: number, asked: number) =>
        `${n} of ${asked} parked update${asked === 1 ? '' : 's'} will run again within seconds`,
      shopCreated: () => 'Shop created: copy its API key now, it is shown once',
      apiKeySet: () => 'New API key set: copy it now, it is shown once',
      keyAlreadyShown: () => 'This key was already shown (or has expired)',
      shopsDeleted: (n: number) => `Deleted ${n} shop${n === 1 ? '' : 's'}`,
      shopsPartlyDeleted: (deleted: number, kept: number, reasons: string) =>
        `Deleted ${deleted}; kept ${kept}: ${reasons}`,
      required: () => 'Required',
      saved: () => 'Saved',
      channelSaved: () => 'Channel saved: the app (re)starts it within seconds',
      channelsStarted: (n: number, asked: number) =>
        `Started ${n} of ${asked} channel${asked === 1 ? '' : 's'}`,
      channelsStopped: (n: number, asked: number) =>
        `Stopped ${n} of ${asked} channel${asked === 1 ? '' : 's'}`,
      channelMadeDefault: (n: number, _asked: number) =>
        n ? 'New conversations now go to this channel' : 'Choose one channel to make default',
      conversationsClosed: (n: number, asked: number) =>
        `Closed ${n} of ${asked} conversation${asked === 1 ? '' : 's'}; the sellers are told`,
      supportBanned: (n: number, asked: number) => `Banned from support: ${n} (of ${asked} selected)`,
      supportUnbanned: (n: number, asked: number) => `Support ban lifted: ${n} (of ${asked} selected)`,
      // New notices written by the panel's own code go here (with their Russian in ru.ts).
    },
    /** A list's total beside its title when it was not counted exactly (numbers already formatted). */
    listTotal: {
      estimated: (n: string) => `about ${n}`,
      atLeast: (n: string) => `${n}+`,
    },
    /** "Too many failed attempts, try again in 12 minutes" (no dots or colons: the login page runs it through i18n). */
    lockout: (minutes: number) =>
      `Too many failed attempts, try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
  },
};

/** Strings widened to string, functions kept: the shape every language's catalogue has. */
type Widen<T> = T extends string
  ? string
  : T extends (...args: infer A) => string
    ? (...args: A) => string
    : { readonly [K in keyof T]: Widen<T[K]> };

export type Catalogue = Widen<typeof en>;
