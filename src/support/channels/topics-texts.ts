/**
 * What the forum-topics channel writes in the forum, for the operators: the seller card and the
 * bot's own lines. Functions take raw values and escape them themselves (the card is HTML).
 */
import { h } from '../../bot/texts/html.js';
import type { SellerCard } from '../channel.js';

export interface TopicsTexts {
  card(seller: SellerCard, note?: 'recreated'): string;
  closedBySeller: string;
  closedByStaff: string;
}

function mention(seller: SellerCard): string {
  const name = [seller.firstName, seller.lastName].filter(Boolean).join(' ') || String(seller.telegramId);
  return `<a href="tg://user?id=${seller.telegramId}">${h(name)}</a>`;
}

const en: TopicsTexts = {
  card: (s, note) =>
    [
      ...(note === 'recreated'
        ? ['⚠️ The previous topic of this seller was deleted; the conversation continues here.', '']
        : []),
      `👤 ${mention(s)}${s.username ? ` @${h(s.username)}` : ''}`,
      `Telegram id: <code>${s.telegramId}</code>`,
      `Role: ${s.role === 'admin' ? 'administrator' : 'seller'}`,
      `Shops: ${s.shops.length > 0 ? s.shops.map(h).join(', ') : '—'}`,
      `Subscription: ${h(s.subscription)}`,
      `Language: ${h(s.languageCode ?? '—')}`,
      ...(s.phone ? [`Phone: ${h(s.phone)}`] : []),
      '',
      'Reply here and the seller gets it. /close ends the conversation, /ban and /unban bar the seller from support, /info shows this card again.',
    ].join('\n'),
  closedBySeller: 'The seller ended the conversation.',
  closedByStaff: 'Staff closed the conversation.',
};

const ru: TopicsTexts = {
  card: (s, note) =>
    [
      ...(note === 'recreated'
        ? ['⚠️ Прежняя тема этого продавца была удалена; разговор продолжается здесь.', '']
        : []),
      `👤 ${mention(s)}${s.username ? ` @${h(s.username)}` : ''}`,
      `Telegram id: <code>${s.telegramId}</code>`,
      `Роль: ${s.role === 'admin' ? 'администратор' : 'продавец'}`,
      `Магазины: ${s.shops.length > 0 ? s.shops.map(h).join(', ') : '—'}`,
      `Подписка: ${h(s.subscription)}`,
      `Язык: ${h(s.languageCode ?? '—')}`,
      ...(s.phone ? [`Телефон: ${h(s.phone)}`] : []),
      '',
      'Отвечайте здесь — продавец получит ответ. /close завершает разговор, /ban и /unban закрывают и открывают продавцу поддержку, /info показывает эту карточку снова.',
    ].join('\n'),
  closedBySeller: 'Продавец завершил разговор.',
  closedByStaff: 'Сотрудник закрыл разговор.',
};

export const topicsTexts: Record<'ru' | 'en', TopicsTexts> = { ru, en };
