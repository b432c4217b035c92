/**
 * The words of the demo's mail, written for it: threads, customer mail in several languages and
 * scripts, newsletters, and pools the history draws from.
 */

export const FALCON_THREAD = [
  'Hi all,\n\nattached is the first draft of the Falcon launch plan. Three waves: press, partners, customers. Please send comments by Thursday.\n\nMegan',
  'Thanks Megan. The press wave needs the final product photos; I will ask the studio for a date.\n\nAlex',
  'Manufacturing can ship the first batch in week 36. Budget for packaging and freight is in the attached sheet.\n\nLee',
  'Looks good. Please book Rainier for the partner webinar rehearsal, and keep IT in the loop for the streaming set-up.\n\nAdele',
  'Rainier is booked for Tuesday 10:00. Final plan goes out on Friday.\n\nMegan',
];

export const LIEFERPLAN_THREAD = [
  'Sehr geehrter Herr Gu,\n\nanbei unser Vorschlag für den Lieferplan im dritten Quartal. Können wir die erste Lieferung in Kalenderwoche 36 bestätigen?\n\nMit freundlichen Grüßen\nKlaus Berger\nFabrikam GmbH',
  'Hallo Herr Berger,\n\nvielen Dank. Woche 36 passt, die zweite Lieferung bitte in Woche 38. Die Mengen stehen in der Tabelle im Anhang.\n\nViele Grüße\nLee Gu',
  'Sehr geehrter Herr Gu,\n\nwir bestätigen beide Termine. Die Spedition meldet sich zwei Tage vor der Anlieferung.\n\nMit freundlichen Grüßen\nKlaus Berger',
];

export const JAPANESE_THREAD = [
  'ボーエン様\n\n新製品の発表日程についてご相談させてください。東京での記者会見は来月の第二週を予定しております。\n\nよろしくお願いいたします。\n田中 由紀',
  '田中様\n\nご連絡ありがとうございます。第二週で問題ありません。資料は金曜日までにお送りします。\n\nMegan Bowen',
];

/** Customer mail to the shared mailbox, one per language and script, with the answer Contoso Info sent. */
export const INQUIRIES = [
  { from: 'sofia', subject: 'Consulta sobre precios para 2026', text: 'Buenos días,\n\n¿podrían enviarnos la lista de precios para el próximo año? Nos interesan especialmente los pedidos de más de 500 unidades.\n\nSaludos cordiales,\nSofía Romero', reply: 'Estimada Sofía:\n\ngracias por su consulta. Adjuntamos la lista de precios y le llamaremos esta semana.\n\nContoso Info' },
  { from: 'camille', subject: 'Demande de devis – salon de Lyon', text: 'Bonjour,\n\nnous souhaitons recevoir un devis pour 40 stands de démonstration au salon de Lyon en octobre.\n\nCordialement,\nCamille Laurent', reply: 'Bonjour Camille,\n\nmerci pour votre demande. Le devis suivra d’ici vendredi.\n\nContoso Info' },
  { from: 'olena', subject: 'Запит щодо доставки до Києва', text: 'Добрий день!\n\nЧи можете ви доставити замовлення до Києва до кінця місяця? Нам потрібно 120 одиниць.\n\nЗ повагою,\nОлена Коваленко', reply: 'Добрий день, Олено!\n\nТак, доставка можлива. Ми надішлемо підтвердження завтра.\n\nContoso Info' },
  { from: 'amira', subject: 'استفسار عن حالة الطلب رقم ٤٥٢', text: 'مرحباً،\n\nنود معرفة موعد شحن الطلب رقم ٤٥٢. هل يمكنكم إرسال رقم التتبع؟\n\nمع التحية،\nأميرة حداد', reply: 'مرحباً أميرة،\n\nتم شحن الطلب اليوم، وسنرسل رقم التتبع خلال ساعة.\n\nContoso Info' },
  { from: 'wei', subject: '关于合作的询问', text: '您好，\n\n我们希望了解贵公司的经销商合作计划，以及在上海设立展示厅的可能性。\n\n此致\n张伟', reply: '张先生您好，\n\n感谢您的来信。我们的渠道经理将在下周与您联系。\n\nContoso Info' },
  { from: 'nikos', subject: 'Ερώτηση για την εγγύηση', text: 'Καλημέρα,\n\nπόσο διαρκεί η εγγύηση για τις συσκευές της σειράς Falcon;\n\nΜε εκτίμηση,\nΝίκος Παπαδόπουλος', reply: 'Καλημέρα Νίκο,\n\nη εγγύηση διαρκεί τρία χρόνια από την αγορά.\n\nContoso Info' },
] as const;

/** Subjects and opening lines of everyday mail between colleagues and partners. */
export const EVERYDAY = [
  ['Weekly sync notes', 'Notes from this week’s sync: the supplier review moves to Thursday, and the trade fair booth design is approved.'],
  ['Expense report reminder', 'Friendly reminder to submit last month’s expense reports by Friday; receipts go into the finance portal.'],
  ['Customer visit from Northwind', 'Northwind Traders visit us on Wednesday. Lunch is booked; please prepare the product demo.'],
  ['New laptop rollout', 'IT replaces the older laptops next month. Back up your local files and book a slot in the portal.'],
  ['Quarterly figures', 'The quarterly figures are in: revenue up eight percent, returns down. Details in the review meeting.'],
  ['Brand guidelines update', 'The brand guidelines have a new colour palette. Use the updated templates from now on.'],
  ['Parking garage closed on Saturday', 'The parking garage is closed on Saturday for maintenance; the side entrance stays open.'],
  ['Supplier audit results', 'The supplier audit found two minor issues with labelling; corrective actions are due in four weeks.'],
  ['Training: secure passwords', 'Please complete the thirty-minute training on passwords and phishing before the end of the month.'],
  ['Webinar recording', 'The recording of yesterday’s partner webinar is on the intranet, with the slides.'],
  ['Office move planning', 'Marketing moves to the third floor in spring. Floor plans follow; tell us about special needs.'],
  ['Feedback on the product video', 'The product video looks great. Two small things: the logo appears late, and the music is loud.'],
  ['Team offsite agenda', 'Draft agenda for the team offsite: morning strategy, afternoon workshops, dinner by the lake.'],
  ['Shipping delay for order 7781', 'Order 7781 ships three days late because of a customs check. The customer has been told.'],
  ['Holiday calendar', 'The holiday calendar for next year is out. Please enter your planned leave by the end of January.'],
  ['Welcome our new colleague', 'Please welcome our new colleague in Manufacturing, who starts on Monday.'],
  ['Projektstatus Montagelinie', 'Kurzer Stand: die neue Montagelinie läuft seit Montag im Zweischichtbetrieb, die Ausschussquote sinkt.'],
  ['Réunion fournisseurs', 'La réunion avec les fournisseurs est déplacée à jeudi, même heure, salle Rainier.'],
  ['Plan de marketing 2026', 'Adjunto el borrador del plan de marketing; comentarios bienvenidos antes del viernes.'],
  ['Security patch tonight', 'Servers are patched tonight between 22:00 and 23:00; expect short interruptions of the intranet.'],
] as const;

export const SPAM = [
  ['You have won a luxury cruise!!!', 'Congratulations! Claim your prize today by sending your bank details.'],
  ['Urgent: verify your mailbox', 'Your mailbox will be closed. Click the link and enter your password to keep it.'],
] as const;

/** The weekly internal newsletter: HTML with a layout, a remote banner (blocked by the reader) and links. */
export function newsletterHtml(issue: number, headline: string, items: string[]): string {
  const rows = items.map((t) => `<tr><td style="padding:8px 0;border-bottom:1px solid #e1dfdd">${t}</td></tr>`).join('');
  return `<!doctype html><html><body style="margin:0;background:#f3f2f1;font-family:Segoe UI,Arial,sans-serif">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="background:#ffffff;margin:16px">
<tr><td><img src="https://news.contoso.example/banner/${issue}.png" width="600" height="120" alt="Contoso Weekly"></td></tr>
<tr><td style="padding:16px 24px"><h1 style="color:#0f6cbd;font-size:22px;margin:0 0 8px">Contoso Weekly #${issue}</h1>
<h2 style="font-size:17px;margin:0 0 12px">${headline}</h2>
<table role="presentation" width="100%">${rows}</table>
<p style="color:#605e5c;font-size:12px">You receive this newsletter as a Contoso employee. <a href="https://intranet.contoso.example/news">Read it on the intranet</a>.</p>
</td></tr></table></td></tr></table></body></html>`;
}

export const HEADLINES = [
  'Falcon enters the final stretch', 'Record month for the webshop', 'Meet the Manufacturing team', 'New canteen menu',
  'Sustainability report published', 'Trade fair season starts', 'Volunteering day: thank you!', 'Security awareness month',
];

export const NEWS_ITEMS = [
  'The new coffee machines on every floor take the company card.', 'Bike to work week: 112 colleagues joined.',
  'The intranet search now finds documents by their content.', 'Customer satisfaction rose to 4.6 of 5.',
  'The Rainier room has a new screen and microphones.', 'Apprentices present their projects on Friday.',
];

export function digestHtml(month: string): string {
  return `<html><body style="font-family:Georgia,serif;color:#222">
<h1 style="font-size:24px;border-bottom:3px solid #8a3b12">Fabrikam Product Digest – ${month}</h1>
<p>This month: the <b>X200 controller</b> gets a firmware update, and our spare-parts shop ships to twelve more countries.</p>
<ul><li>Firmware 4.2: faster start-up, new diagnostics page</li><li>Spare parts: delivery in 48 hours within the EU</li></ul>
<p><a href="https://fabrikam.example/digest">Read online</a> · <a href="https://fabrikam.example/unsubscribe">Unsubscribe</a></p>
</body></html>`;
}

export const DIGEST = ['firmware edition', 'spare parts edition', 'service edition', 'trade fair edition'];
