// The minimal web page: phone → code → profile (devices, a change of number). Plain JavaScript, no build step.
// Everything the server sends is written with textContent, never as HTML.
'use strict';

const API = '/api/v1';
const $ = (id) => document.getElementById(id);
const store = window.sessionStorage;

const state = {
  phone: null,
  token: store.getItem('token'),
  refreshToken: store.getItem('refresh_token'),
  referralsCursor: null,
  inboxSeen: 0,
  inboxAvailable: false,
  inboxTimer: null,
  // The button that shows "sending" while the simulated phone is watched.
  inboxButton: null,
  countdownTimer: null,
  webOtp: null,
  // The invite code of the link that brought this person here, kept across reloads until they sign in.
  invitedBy: null,
  // The new number a code was sent to, until it is confirmed or the change is given up.
  newPhone: null,
};

/**
 * This browser's device id: made once, kept in localStorage, sent with every sign-in. The server
 * compares it with an inviter's when an invite code is used (one device inviting itself).
 */
function deviceId() {
  let id = window.localStorage.getItem('device_id');
  if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
    id = window.crypto.randomUUID();
    window.localStorage.setItem('device_id', id);
  }
  return id;
}

/** Errors in plain words; `seconds` comes from Retry-After. */
function explain(body, seconds) {
  const wait = seconds ? humanDuration(seconds) : 'a moment';
  switch (body && body.error) {
    case 'INVALID_PHONE_NUMBER':
      return 'That does not look like a mobile number. Include the country code, e.g. +7 912 345-67-89.';
    case 'RATE_LIMITED':
      return `Please wait ${wait} before asking again.`;
    case 'TOO_MANY_ATTEMPTS':
      return `Too many wrong codes: sign-in for this number is paused for ${wait}.`;
    case 'INVALID_CODE':
      return 'That code is wrong or has expired. Check the SMS, or ask for a new code.';
    case 'USERNAME_TAKEN':
      return 'That username is taken. If it is yours, leave the field empty.';
    case 'REFERRAL_CODE_NOT_FOUND':
      return 'Nobody has that invite code. Check the letters and try again.';
    case 'REFERRAL_SELF':
      return 'That is your own invite code. Ask a friend for theirs.';
    case 'REFERRAL_CYCLE':
      return 'You invited this person (or someone they invited), so you cannot use their code.';
    case 'REFERRAL_ALREADY_ACTIVATED':
      return 'You have already used an invite code, and it cannot be changed.';
    case 'VALIDATION_FAILED':
      return (body.details || []).map((detail) => detail.message).join('. ') || 'Some fields are not valid.';
    case 'SERVICE_UNAVAILABLE':
      return 'The service is busy right now. Try again in a few seconds.';
    case 'SESSION_NOT_FOUND':
      return 'That device is signed out already.';
    case 'REAUTHENTICATION_REQUIRED':
      return 'To change your number, sign in again first: you signed in more than 10 minutes ago. Sign out, sign in with a new code, then change the number.';
    case 'PHONE_NUMBER_TAKEN':
      return 'Another account uses that number. Sign in with it to change or delete that account first.';
    case 'BOT_CHECK_FAILED':
      return 'Please complete the check above the button, then press “Send code” again.';
    case 'PHONE_COUNTRY_NOT_ALLOWED':
      return 'Numbers of that country are not accepted here.';
    case 'UNAUTHORIZED':
      return 'You were signed out (perhaps from another device). Sign in again.';
    default:
      return (body && body.message) || 'Something went wrong. Try again.';
  }
}

function humanDuration(seconds) {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super(explain(body, retryAfter));
    this.status = status;
    this.body = body;
  }
}

async function call(method, path, body, { auth = false, retry = true } = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth && state.token) headers.Authorization = `Bearer ${state.token}`;
  const response = await fetch(API + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401 && auth && retry && state.refreshToken) {
    if (await refreshTokens()) return call(method, path, body, { auth, retry: false });
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data, Number(response.headers.get('Retry-After')) || 0);
  return data;
}

async function refreshTokens() {
  try {
    saveTokens(await call('POST', '/auth/refresh/', { refresh_token: state.refreshToken }, { retry: false }));
    return true;
  } catch {
    forgetTokens();
    return false;
  }
}

function saveTokens(answer) {
  state.token = answer.token;
  state.refreshToken = answer.refresh_token;
  store.setItem('token', answer.token);
  store.setItem('refresh_token', answer.refresh_token);
}

function forgetTokens() {
  state.token = null;
  state.refreshToken = null;
  store.removeItem('token');
  store.removeItem('refresh_token');
}

function say(message) {
  $('status').textContent = message;
}

function fail(error) {
  $('error').textContent = error instanceof ApiError ? error.message : 'The server could not be reached. Try again.';
  // Signed out from elsewhere (another device ended this session): back to the first step.
  if (error instanceof ApiError && error.status === 401 && !state.token && !$('step-profile').hidden) {
    stopInbox();
    resetPhoneChange();
    $('inbox').hidden = true;
    show('step-phone');
  }
}

function clearMessages() {
  $('status').textContent = '';
  $('error').textContent = '';
}

function show(step) {
  for (const id of ['step-phone', 'step-code', 'step-profile']) $(id).hidden = id !== step;
  $('invited').hidden = step === 'step-profile' || !state.invitedBy;
  const target = {
    'step-phone': $('phone'),
    'step-code': $('code'),
    'step-profile': $('activate-box').hidden ? $('profile-title') : $('invite'),
  }[step];
  target.focus();
}

async function busy(button, work) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/*
 * The bot check (BOT_CHECK_PROVIDER): the provider's widget, rendered explicitly from its own script, which the
 * page's Content-Security-Policy allows only when a provider is set. Shown from the start when every sign-up needs
 * it, else once the API answers BOT_CHECK_FAILED. Turnstile, hCaptcha and reCAPTCHA share render, getResponse
 * and reset; a token is good once, so the widget is reset after each use.
 */
const BOT_CHECK_SCRIPTS = {
  turnstile: { src: 'https://challenges.cloudflare.com/turnstile/v0/api.js', global: 'turnstile' },
  hcaptcha: { src: 'https://js.hcaptcha.com/1/api.js', global: 'hcaptcha' },
  recaptcha: { src: 'https://www.google.com/recaptcha/api.js', global: 'grecaptcha' },
};
const botCheck = { script: null, siteKey: null, widget: null, ready: null };

function setUpBotCheck() {
  const [provider, siteKey, when] = (document.body.dataset.botCheck || '').split(':');
  if (!Object.hasOwn(BOT_CHECK_SCRIPTS, provider) || !siteKey) return;
  botCheck.script = BOT_CHECK_SCRIPTS[provider];
  botCheck.siteKey = siteKey;
  if (when === 'always') showBotCheck().catch((error) => ($('error').textContent = error.message));
}

function showBotCheck() {
  if (botCheck.ready) return botCheck.ready;
  $('bot-check').hidden = false;
  botCheck.ready = new Promise((resolve, reject) => {
    window.onBotCheckLoad = () => {
      botCheck.widget = window[botCheck.script.global].render($('bot-check'), { sitekey: botCheck.siteKey });
      resolve();
    };
    const script = document.createElement('script');
    script.src = `${botCheck.script.src}?render=explicit&onload=onBotCheckLoad`;
    script.async = true;
    script.onerror = () => {
      botCheck.ready = null;
      reject(new Error('The bot check could not load. Check your connection and try again.'));
    };
    document.head.appendChild(script);
  });
  return botCheck.ready;
}

function botCheckToken() {
  if (botCheck.widget === null) return null;
  return window[botCheck.script.global].getResponse(botCheck.widget) || null;
}

function resetBotCheck() {
  if (botCheck.widget !== null) window[botCheck.script.global].reset(botCheck.widget);
}

/** Where the code went first, in the words of "Code sent …". */
const CHANNEL_WORDS = { sms: 'by SMS', whatsapp: 'on WhatsApp', telegram: 'in Telegram' };

// Step 1: ask for a code.
async function requestCode() {
  clearMessages();
  const phone = $('phone').value.trim();
  const username = $('username').value.trim();
  if (!phone) {
    $('error').textContent = 'Enter your phone number.';
    $('phone').focus();
    return;
  }
  // The message comes in the browser's language when the deployment has templates for it.
  const locale = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/.test(navigator.language || '') ? navigator.language : null;
  const token = botCheckToken();
  let answer;
  try {
    answer = await call('POST', '/auth/signup/', {
      phone_number: phone,
      ...(username ? { username } : {}),
      ...(locale ? { locale } : {}),
      ...(token ? { bot_check_token: token } : {}),
    });
  } catch (error) {
    // The deployment asks this sign-up for a bot check: show the widget and let the person send again.
    if (error.body && error.body.error === 'BOT_CHECK_FAILED' && botCheck.script) await showBotCheck();
    throw error;
  } finally {
    if (token) resetBotCheck();
  }
  state.phone = answer.phone_number;
  // Counted once the number is known good (the inbox refuses others), before the gateway's 1-2 s are up.
  state.inboxSeen = state.inboxAvailable ? (await inboxFor(answer.phone_number)).length : 0;
  $('code-phone').textContent = answer.phone_number;
  $('code').value = '';
  show('step-code');
  startCountdown(answer.resend_in);
  listenForSms();
  if (state.inboxAvailable) {
    say('Sending your code… it usually takes 1-2 seconds.');
    watchInbox(state.phone, state.inboxSeen, $('verify'));
  } else {
    say(`Code sent ${CHANNEL_WORDS[answer.channel] || ''}. It should arrive within a few seconds.`.replace(' .', '.'));
  }
}

/**
 * Where the browser offers the WebOTP API (Chrome on Android, with SMS_WEBOTP_DOMAIN
 * set on the server), the code fills itself in from the SMS and is sent. Elsewhere
 * nothing happens and the person types it; `autocomplete="one-time-code"` lets
 * Safari suggest it from the same message.
 */
function listenForSms() {
  stopListeningForSms();
  if (!('OTPCredential' in window) || !navigator.credentials) return;
  const abort = new AbortController();
  state.webOtp = abort;
  navigator.credentials
    .get({ otp: { transport: ['sms'] }, signal: abort.signal })
    .then((credential) => {
      if (!credential || !credential.code || $('step-code').hidden) return;
      $('code').value = credential.code;
      $('code-form').requestSubmit();
    })
    .catch(() => undefined);
}

function stopListeningForSms() {
  if (state.webOtp) state.webOtp.abort();
  state.webOtp = null;
}

function startCountdown(seconds) {
  clearInterval(state.countdownTimer);
  let left = seconds;
  const resend = $('resend');
  const tick = () => {
    resend.disabled = left > 0;
    resend.textContent = left > 0 ? `Send a new code in ${left} s` : 'Send a new code';
    left -= 1;
    if (left < -1) clearInterval(state.countdownTimer);
  };
  tick();
  state.countdownTimer = setInterval(tick, 1000);
}

// Step 2: sign in with the code.
async function verifyCode() {
  clearMessages();
  const code = $('code').value.trim();
  if (!/^[0-9]{4}$/.test(code)) {
    $('error').textContent = 'The code is 4 digits.';
    $('code').focus();
    return;
  }
  const body = { phone_number: state.phone, code, device_id: deviceId() };
  if (state.invitedBy) body.referral_code = state.invitedBy;
  const answer = await call('POST', '/auth/code/', body);
  saveTokens(answer);
  forgetInvitation();
  stopInbox();
  stopListeningForSms();
  clearInterval(state.countdownTimer);
  const welcome = answer.is_new_user ? 'Welcome! Your account is ready.' : 'Welcome back!';
  const referral = answer.referral;
  if (referral && referral.activated) say(`${welcome} Your friend got the credit.`);
  else if (referral && !answer.is_new_user && referral.error === 'REFERRAL_ALREADY_ACTIVATED') say(welcome);
  else if (referral) say(`${welcome} The invite could not be used: ${explain({ error: referral.error })}`);
  else say(welcome);
  await loadProfile();
}

/** `?ref=CODE` in the address: remembered (sessionStorage, so a reload keeps it) until the sign-in sends it. */
function readInvitation() {
  const ref = new URLSearchParams(window.location.search).get('ref');
  if (ref && /^[A-Za-z0-9]{6}$/.test(ref)) store.setItem('invited_by', ref.toUpperCase());
  state.invitedBy = store.getItem('invited_by');
  $('invited').hidden = !state.invitedBy;
  $('invited-code').textContent = state.invitedBy || '';
}

function forgetInvitation() {
  store.removeItem('invited_by');
  state.invitedBy = null;
  $('invited').hidden = true;
  if (window.location.search.includes('ref=')) window.history.replaceState(null, '', window.location.pathname);
}

// Step 3: the profile.
async function loadProfile() {
  const profile = await call('GET', '/users/me/', undefined, { auth: true });
  $('p-username').textContent = profile.username;
  $('p-phone').textContent = profile.phone_number;
  $('p-code').textContent = profile.referral_code;
  $('activate-box').hidden = Boolean(profile.used_referral_code);
  // Signed in already when the link was opened: the code waits in the form.
  if (state.invitedBy && !profile.used_referral_code && state.invitedBy !== profile.referral_code) {
    $('invite').value = state.invitedBy;
  }
  $('used-code').hidden = !profile.used_referral_code;
  $('p-used').textContent = profile.used_referral_code || '';
  $('p-by').textContent = profile.referred_by ? ` from ${profile.referred_by}` : '';
  showInviteLink(profile.invite_url);
  $('ref-list').replaceChildren();
  state.referralsCursor = null;
  show('step-profile');
  await loadReferrals();
  await loadRewards();
  await loadSessions();
  state.phone = profile.phone_number;
  if (state.inboxAvailable && !state.newPhone) showInbox(await inboxFor(profile.phone_number));
}

async function loadReferrals() {
  const query = new URLSearchParams({ limit: '20' });
  if (state.referralsCursor) query.set('cursor', state.referralsCursor);
  const page = await call('GET', `/users/me/referrals/?${query}`, undefined, { auth: true });
  for (const person of page.items) {
    const item = document.createElement('li');
    const time = document.createElement('time');
    time.dateTime = person.activated_at;
    time.textContent = new Date(person.activated_at).toLocaleString();
    const status = document.createElement('span');
    status.className = `state state-${person.state}`;
    status.textContent = referralState(person);
    item.append(`${person.username} · ${person.phone_number}`, status, time);
    $('ref-list').append(item);
  }
  $('ref-total').textContent = String(page.total);
  const counts = page.by_state;
  $('ref-states').textContent =
    page.total > 0
      ? `${counts.final} final · ${counts.qualified} qualified · ${counts.pending} pending · ${counts.void} void` +
        (counts.in_review > 0 ? ` · ${counts.in_review} in review` : '')
      : '';
  $('ref-empty').hidden = page.total > 0;
  state.referralsCursor = page.next_cursor;
  $('ref-more').hidden = !page.next_cursor;
}

/** Where a referral stands, in words. */
function referralState(referral) {
  if (referral.state === 'void') return `void${referral.void_reason ? ` (${referral.void_reason})` : ''}`;
  if (referral.in_review) return `${referral.state}, in review`;
  if (referral.state === 'qualified' && referral.final_due) {
    return `qualified, final ${new Date(referral.final_due).toLocaleDateString()}`;
  }
  return referral.state;
}

// What the person's referrals earned them (as inviter, as invitee, milestones), newest first.
async function loadRewards() {
  const page = await call('GET', '/users/me/rewards/?limit=20', undefined, { auth: true });
  $('reward-list').replaceChildren(
    ...page.items.map((reward) => {
      const item = document.createElement('li');
      const what = reward.role === 'milestone' ? `milestone: ${reward.milestone} referrals` : `as ${reward.role}`;
      item.className = `reward reward-${reward.status}`;
      item.textContent = `${reward.amount} ${reward.unit} · ${what} · ${reward.status}`;
      return item;
    }),
  );
  $('reward-balance').textContent = page.balance.map(({ amount, unit }) => `${amount} ${unit}`).join(' · ');
  $('reward-empty').hidden = page.items.length > 0;
}

// Where the person is signed in: this device, and the others, each of which can be signed out.
async function loadSessions() {
  const answer = await call('GET', '/users/me/sessions/', undefined, { auth: true });
  $('session-list').replaceChildren(...answer.items.map(sessionItem));
  $('revoke-others').hidden = !answer.items.some((session) => !session.current);
}

function sessionItem(session) {
  const item = document.createElement('li');
  const device = document.createElement('strong');
  device.textContent = session.device;
  item.append(device);
  if (session.current) {
    const tag = document.createElement('span');
    tag.className = 'tag';
    tag.textContent = 'this device';
    item.append(tag);
  }
  const where = document.createElement('span');
  where.className = 'where';
  const time = document.createElement('time');
  time.dateTime = session.last_used_at;
  time.textContent = new Date(session.last_used_at).toLocaleString();
  where.append(`${session.ip_address || 'Unknown address'} · last used `, time);
  item.append(where);
  if (!session.current) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary';
    button.textContent = 'Sign out';
    // Several devices may share a label: the address and the time tell them apart to a screen reader too.
    button.setAttribute('aria-label', `Sign out ${session.device}, ${where.textContent}`);
    button.addEventListener('click', () => busy(button, () => endSession(session)).catch(fail));
    item.append(button);
  }
  return item;
}

async function endSession(session) {
  clearMessages();
  try {
    await call('DELETE', `/users/me/sessions/${encodeURIComponent(session.id)}/`, undefined, { auth: true });
    say(`Signed out ${session.device}.`);
  } finally {
    // Signed out or gone already: the list shows what is left either way.
    await loadSessions().catch(() => undefined);
    $('devices-title').focus();
  }
}

async function endOtherSessions() {
  clearMessages();
  const answer = await call('POST', '/users/me/sessions/revoke-others/', undefined, { auth: true });
  say(answer.ended === 1 ? 'Signed out 1 other device.' : `Signed out ${answer.ended} other devices.`);
  await loadSessions();
  $('devices-title').focus();
}

async function refreshSessions() {
  clearMessages();
  await loadSessions();
}

// Moving the account to a new number: a code to that number, then the code.
async function requestPhoneChange() {
  clearMessages();
  const phone = $('new-phone').value.trim();
  if (!phone) {
    $('error').textContent = 'Enter the new number.';
    $('new-phone').focus();
    return;
  }
  let answer;
  try {
    answer = await call('POST', '/users/me/phone/', { phone_number: phone }, { auth: true });
  } catch (error) {
    const details = (error instanceof ApiError && error.body && error.body.details) || [];
    if (error.body && error.body.error === 'VALIDATION_FAILED' && details.some((d) => /already/.test(d.message))) {
      error.message = 'That is your number already. Enter the new one.';
    }
    throw error;
  }
  state.newPhone = answer.phone_number;
  const seen = state.inboxAvailable ? (await inboxFor(answer.phone_number)).length : 0;
  $('new-phone-shown').textContent = answer.phone_number;
  $('new-phone-code').value = '';
  $('new-phone-form').hidden = true;
  $('new-phone-code-form').hidden = false;
  $('new-phone-code').focus();
  if (state.inboxAvailable) {
    say(`Sending a code to ${answer.phone_number}…`);
    watchInbox(answer.phone_number, seen, $('new-phone-confirm'));
  } else {
    say(`Code sent to ${answer.phone_number}. It should arrive within a few seconds.`);
  }
}

async function confirmPhoneChange() {
  clearMessages();
  const code = $('new-phone-code').value.trim();
  if (!/^[0-9]{4}$/.test(code)) {
    $('error').textContent = 'The code is 4 digits.';
    $('new-phone-code').focus();
    return;
  }
  const profile = await call(
    'POST',
    '/users/me/phone/confirm/',
    { phone_number: state.newPhone, code },
    { auth: true },
  );
  stopInbox();
  resetPhoneChange();
  // The profile first, then the message: whoever reads the message finds the new number shown.
  await loadProfile();
  say(`Your number is now ${profile.phone_number}. Your other devices were signed out.`);
}

function resetPhoneChange() {
  state.newPhone = null;
  $('new-phone').value = '';
  $('new-phone-code').value = '';
  $('new-phone-form').hidden = false;
  $('new-phone-code-form').hidden = true;
}

async function cancelPhoneChange() {
  stopInbox();
  resetPhoneChange();
  clearMessages();
  $('new-phone').focus();
  if (state.inboxAvailable && state.phone) showInbox(await inboxFor(state.phone));
}

async function activate() {
  clearMessages();
  const code = $('invite').value.trim().toUpperCase();
  if (!/^[A-Z0-9]{6}$/.test(code)) {
    $('error').textContent = 'An invite code is 6 letters or digits.';
    $('invite').focus();
    return;
  }
  await call('PATCH', '/users/me/', { used_referral_code: code }, { auth: true });
  say(`Invite code ${code} activated. Thank you!`);
  $('invite').value = '';
  await loadProfile();
}

async function copyCode() {
  const code = $('p-code').textContent;
  try {
    await navigator.clipboard.writeText(code);
    say(`Copied ${code}. Send it to a friend!`);
  } catch {
    say(`Your code is ${code}. Select it to copy.`);
  }
}

/** The link, its QR code, and the share sheet where the browser has one. */
function showInviteLink(url) {
  $('p-link').textContent = url;
  $('share').hidden = typeof navigator.share !== 'function';
  drawQrCode($('qr'), url);
}

/** Draws a QR code of `text` with qrcode-generator (served by the API, /vendor/qrcode.js), 4 modules of quiet zone. */
function drawQrCode(canvas, text) {
  if (typeof window.qrcode !== 'function') return;
  const qr = window.qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const modules = qr.getModuleCount();
  const quiet = 4;
  const scale = Math.max(3, Math.floor(200 / (modules + 2 * quiet)));
  canvas.width = canvas.height = (modules + 2 * quiet) * scale;
  const context = canvas.getContext('2d');
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = '#000';
  for (let row = 0; row < modules; row += 1) {
    for (let col = 0; col < modules; col += 1) {
      if (qr.isDark(row, col)) context.fillRect((col + quiet) * scale, (row + quiet) * scale, scale, scale);
    }
  }
}

async function copyLink() {
  const url = $('p-link').textContent;
  try {
    await navigator.clipboard.writeText(url);
    say('Copied your invite link. Send it to a friend!');
  } catch {
    say('Select the link to copy it.');
  }
}

async function shareLink() {
  try {
    await navigator.share({
      title: 'Join me',
      text: 'Sign in with your phone and we both get the credit.',
      url: $('p-link').textContent,
    });
  } catch {
    // Closed without sharing: nothing to say.
  }
}

async function signOut() {
  stopInbox();
  resetPhoneChange();
  if (state.refreshToken)
    await call('POST', '/auth/logout/', { refresh_token: state.refreshToken }).catch(() => undefined);
  forgetTokens();
  $('phone').value = '';
  $('username').value = '';
  $('inbox').hidden = true;
  clearMessages();
  say('Signed out.');
  show('step-phone');
}

// The simulated phone (development only).
async function inboxFor(phone) {
  try {
    const answer = await call('GET', `/dev/sms/?phone_number=${encodeURIComponent(phone)}`);
    return answer.items;
  } catch {
    return [];
  }
}

function showInbox(items) {
  $('inbox').hidden = false;
  const list = $('inbox-list');
  list.replaceChildren(
    ...items.map((message) => {
      const item = document.createElement('li');
      const time = document.createElement('time');
      time.dateTime = message.sent_at;
      time.textContent = new Date(message.sent_at).toLocaleTimeString();
      item.append(message.text, time);
      const code = /\b([0-9]{4})\b/.exec(message.text);
      const field = codeField();
      if (code && field) {
        const use = document.createElement('button');
        use.type = 'button';
        use.className = 'secondary';
        use.textContent = `Use ${code[1]}`;
        use.addEventListener('click', () => {
          field.value = code[1];
          field.focus();
        });
        item.append(use);
      }
      return item;
    }),
  );
}

/** The field a code from the simulated phone goes into: the sign-in's, or the change of number's. */
function codeField() {
  if (!$('step-code').hidden) return $('code');
  if (!$('step-profile').hidden && !$('new-phone-code-form').hidden) return $('new-phone-code');
  return null;
}

/** Polls the simulated phone of `phone` until it holds more than `seen` messages; `button` shows "sending" meanwhile. */
function watchInbox(phone, seen, button) {
  stopInbox();
  state.inboxButton = button;
  button.setAttribute('aria-busy', 'true');
  const started = Date.now();
  const poll = async () => {
    const items = await inboxFor(phone);
    if (state.inboxButton !== button) return; // Stopped meanwhile.
    showInbox(items);
    if (items.length > seen) {
      button.removeAttribute('aria-busy');
      say('Code sent. Check the simulated phone.');
      return;
    }
    if (Date.now() - started > 15_000) {
      button.removeAttribute('aria-busy');
      say('The code is taking longer than usual. You can ask for a new one when the countdown ends.');
      return;
    }
    state.inboxTimer = setTimeout(poll, 300);
  };
  state.inboxTimer = setTimeout(poll, 300);
}

function stopInbox() {
  clearTimeout(state.inboxTimer);
  if (state.inboxButton) state.inboxButton.removeAttribute('aria-busy');
  state.inboxButton = null;
}

function on(id, event, handler) {
  $(id).addEventListener(event, (e) => {
    e.preventDefault();
    const button = e.type === 'submit' ? e.target.querySelector('button[type=submit]') : e.currentTarget;
    busy(button, handler).catch(fail);
  });
}

on('phone-form', 'submit', requestCode);
on('resend', 'click', requestCode);
on('code-form', 'submit', verifyCode);
on('activate-form', 'submit', activate);
on('copy', 'click', copyCode);
on('copy-link', 'click', copyLink);
on('share', 'click', shareLink);
on('ref-more', 'click', loadReferrals);
on('sign-out', 'click', signOut);
on('sessions-refresh', 'click', refreshSessions);
on('revoke-others', 'click', endOtherSessions);
on('new-phone-form', 'submit', requestPhoneChange);
on('new-phone-code-form', 'submit', confirmPhoneChange);
on('new-phone-cancel', 'click', cancelPhoneChange);
$('change-phone').addEventListener('click', () => {
  stopInbox();
  stopListeningForSms();
  clearMessages();
  show('step-phone');
});

(async () => {
  // The inbox exists only with the simulated SMS transport; the server says so in the page.
  state.inboxAvailable = document.body.dataset.inbox === 'on';
  setUpBotCheck();
  readInvitation();
  if (state.token) {
    try {
      await loadProfile();
      return;
    } catch {
      forgetTokens();
    }
  }
  show('step-phone');
})();
