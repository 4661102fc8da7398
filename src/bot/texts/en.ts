import { h } from './html.js';
import type { Texts } from './index.js';

export const en: Texts = {
  description: 'Bot for managing shops.',
  commandStart: 'Getting started.',
  commandHelp: 'Help on how the bot works.',
  commandMenu: 'Go to the main menu.',
  commandCancel: 'Cancel the command and return to the main menu.',

  chooseRole: 'Choose a role:',
  roleAdmin: 'Admin',
  roleSeller: 'Seller',
  enterUsername: 'Enter your username:',
  enterPassword: 'Enter password:',
  passwordReceived: 'Password received. Please wait.',
  loggedInAdmin: '✅ You are logged in as Administrator.',
  wrongCredentials: '❌ Wrong username or password.\nYou can enter the password again:',
  enterApiKey: "Enter your shop's API key 🔑:",
  apiKeyReceived: 'API key received.\nPlease wait.',
  loggedInSeller: '✅ You are logged in as Seller.',
  wrongApiKey: '❌ Wrong API key 🔑, please enter it again:',
  loginLocked: (minutes: number) => `⏳ Too many failed login attempts. Try again in ${minutes} min.`,
  alreadyLoggedIn: 'You are already logged in. To change role, use /sign_out.',
  adminRevoked: '🔑 Your administrator access has been withdrawn. Please log in again.',

  mainMenu: (fullName: string, role: string) => `Main menu (${h(fullName)}: ${role}):`,
  help: (admin: string | undefined) =>
    [
      'The bot is driven mainly by the buttons under its messages.',
      'If the buttons stop working, use the commands — they are always available:',
      '/start — start the dialogue;',
      '/menu — open the main menu;',
      '/cancel — cancel input and return to the main menu.',
      '',
      "Text that starts with '/' is taken as a command, so don't use passwords or keys that start with '/'.",
      admin ? `For other questions contact the administrator @${h(admin)}.` : '',
      '',
      '❗️ Service commands:',
      '/sign_out — log out to log in again: change role or refresh data such as your username.',
    ]
      .filter((line, i, all) => line !== '' || all[i - 1] !== '')
      .join('\n'),

  subscriptionStatus: (username: string, paidUntil: string | null, active: boolean) =>
    `Subscription of user <code>${h(username)}</code>: ` +
    (active ? (paidUntil ? `active until ${paidUntil}` : 'active') : 'not active'),
  invoiceTitle: 'Subscription fee',
  invoiceDescription: (days: number) =>
    `By paying for the subscription you get shop management for ${days} days.`,
  invoiceLabel: 'Subscription',
  noPaymentNeeded: 'Your subscription has no end date: no payment is needed.',
  paymentsUnavailable: 'Payments are not available right now. Please contact the administrator.',
  preCheckoutFailed: 'Something went wrong... The payment was not accepted and nothing was charged.',
  preCheckoutNotNeeded:
    'Your subscription has no end date now: no payment is needed, and nothing was charged.',
  invoiceOutdated:
    'This invoice is out of date, and nothing was charged. Open "Subscription" and press "Pay for subscription" for a new one.',
  paymentSucceeded: (paidUntil: string) =>
    `You have successfully paid for the subscription 🎉. It is active until ${paidUntil}.`,

  addShopPrompt: 'Add a shop by API key.\nEnter API key 🔑:',
  shopAdded: (name: string) => `✅ Shop <code>${h(name)}</code> added.`,
  shopAlreadyLinked: (name: string) => `Shop <code>${h(name)}</code> is already linked to you.`,
  unlinkTitle: 'Unlinking a shop.',
  unlinkConfirm: (name: string) => `Unlink shop <code>${h(name)}</code>?`,

  shopListTitle: 'Available shops and their activity:',
  shopListEmpty: 'There are no shops yet.',
  shopMenu: (name: string) => `Shop: <code>${h(name)}</code>`,
  shopInfo: (name: string, vendor: string, active: boolean, updatePrices: boolean) =>
    `<b>Detailed shop information:</b>\n` +
    `Name: <code>${h(name)}</code>\n` +
    `Vendor: <code>${h(vendor)}</code>\n` +
    `Active: ${active ? '✅' : '❌'}\n` +
    `Update prices: ${updatePrices ? '✅' : '❌'}`,
  activationScreen: (name: string, active: boolean) =>
    `Shop: <code>${h(name)}</code>\nActive: ${active ? '🟢' : '🔴'}`,
  pricesScreen: (name: string, on: boolean) =>
    `Shop: <code>${h(name)}</code>\nPrice updating: ${on ? 'ON' : 'OFF'}`,
  shopGone: 'This shop is no longer available.',

  banned: '🚫 You are banned. Contact support.',
  unbanned: '🎉 You are unbanned!',
  notActive: '🔒 Your account is not active. Take out a subscription to use the service.',
  buttonOutdated: "Sorry, this button is outdated 😕 Here's the current menu.",
  cancelled: 'Command cancelled. Keyboard input is no longer expected.',
  nothingToCancel: 'No active command to cancel. The bot was not expecting input.',
  unexpectedText:
    'The bot is not expecting text right now. Use the buttons to control the bot. For help press /help.',
  unexpectedTextDeleted:
    'The bot is not expecting text right now. The message looked like a key or password, so we deleted it. For help press /help.',
  inputExpired: 'The wait for input has expired. Please start again.',
  unknownCommand: 'No such command. Use /help to get the list of commands.',
  somethingWentWrong: '⚠️ Something went wrong. Please try again.',

  btnAdmin: 'Admin',
  btnSeller: 'Seller',
  btnBack: '⟵',
  btnCancel: 'Cancel',
  btnEnterUsername: 'Enter username',
  btnHelp: '❔ Help ❔',
  btnSubscription: '⚡️ Subscription ⚡️',
  btnShopList: '📋 Shop list 📋',
  btnAddShop: '➕ Add shop ➕',
  btnUnlinkShop: '➖ Unlink shop ➖',
  btnShopInfo: 'ℹ️ Shop info ℹ️',
  btnActivation: '🔘 Activation 🔘',
  btnPrices: '💰 Price updating 💰',
  btnDeactivate: '⏹ Deactivate ⏹',
  btnActivate: '▶️ Activate ▶️',
  btnPricesOff: '⏹ Turn off ⏹',
  btnPricesOn: '▶️ Turn on ▶️',
  btnYes: 'Yes',
  btnNo: 'No',
  btnPay: '💸 Pay for subscription 💸',
  btnMenu: '🏠 Main menu',

  toastMenu: 'Main menu',
  toastHelp: 'Help',
  toastSubscription: 'Subscription',
  toastAddShop: 'Add shop',
  toastUnlinkList: 'Unlink shops',
  toastShopList: 'Shop list',
  toastShopMenu: 'Shop menu',
  toastShopInfo: 'Shop info',
  toastActivation: 'Activation',
  toastPrices: 'Price updating',
  toastActivated: 'Shop activated',
  toastDeactivated: 'Shop deactivated',
  toastPricesOn: 'Price updating turned on',
  toastPricesOff: 'Price updating turned off',
  toastAlreadySet: 'Already set',
  toastUnlinked: (name: string) => `Shop “${name}” unlinked.`,
  toastCancel: 'Cancel',
  toastOutdated: 'Button outdated',
  toastPage: 'Page number',
  toastError: 'Something went wrong',
  toastBanned: 'Access denied',
  toastNotActive: 'Subscription needed',
  toastLogin: 'Please log in',

  btnSupport: '💬 Support',
  btnSharePhone: '📞 Share my phone',
  btnSendPhone: '📞 Send my phone number',
  supportPhonePrompt:
    'Operators can write to you first by your phone number. Press the button below to share it (only the number is kept).',
  supportPhoneSaved: '✅ Thank you, your phone number is saved.',
  btnEndConversation: '✅ End conversation',
  btnBackToMenu: '🏠 Back to menu',
  commandSupport: 'Write to support.',
  supportIntro:
    '💬 You are writing to support. Everything you send (text, photos, files, voice, video, stickers) reaches the operators; their answers come here.\nTo leave, press "Back to menu".',
  supportOffHours: (hours: string) =>
    `🌙 Support is outside working hours now${hours ? ` (hours: ${h(hours)})` : ''}. Write anyway: operators answer when they start.`,
  supportUnavailable: 'Support is not available right now. Please try again later.',
  supportBanned: '⛔️ You can no longer write to support.',
  supportRateLimited: (perMinute: number) =>
    `⏳ Too many messages: support takes at most ${perMinute} a minute. Wait a minute and send it again.`,
  supportPoll: "A poll can't be sent to support. Please describe your question in words.",
  supportDice: "A dice can't be sent to support.",
  supportOther: "This kind of message can't be sent to support. Send text, a photo or a file.",
  supportTooLarge: (mb: number) => `The file is too large for support: ${mb} MB at most.`,
  supportFrom: (name: string | undefined) => (name ? `💬 <b>Support · ${h(name)}</b>` : '💬 <b>Support</b>'),
  supportEnded: '✅ Conversation ended. Your next message to support starts a new one.',
  supportNothingToEnd: 'There is no open conversation.',
  supportWaiting: '⏳ Waiting for an operator: they will answer here.',
  supportJoined: (name: string) => `👤 ${h(name || 'An operator')} joined the conversation.`,
  supportClosedByOperator: '✅ Support has closed the conversation. Write again whenever you need.',
  supportRejected: "❌ Support couldn't accept your message. Please try sending it another way.",
  supportFileTooLarge: (name: string, mb: number) =>
    `📎 ${h(name)}: the file is larger than ${h(String(mb))} MB and can't be sent here.`,
  supportUndelivered: "❌ Your message couldn't reach support within a day. Please send it again.",
  toastSupport: 'Support',
};
