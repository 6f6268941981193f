// Counselor console: the labels (Japanese first, English after) and how times and waits are written.
import { serverNowMs } from "/assets/shared/live_socket.js";
import { CHANNEL_NAMES } from "/call/static/staff_names.js";

export const CHANNEL = Object.fromEntries(Object.entries(CHANNEL_NAMES).map(([code, [ja, en]]) => [code, `${ja} ${en}`]));
export const AVAILABILITY = {
  available_now: "今すぐ Now",
  later_today: "本日後ほど Later today",
  book_ahead: "予約 Book ahead",
  closed: "時間外 Closed",
};
export const QUEUE_STATE = { waiting: "待機中 Waiting", offered: "通訳者呼出中 Ringing interpreter" };
export const OUTCOME = {
  "": "未選択 Not set",
  resolved: "解決 Resolved",
  referred: "他機関へ紹介 Referred",
  follow_up: "継続対応 Follow-up",
  abandoned: "中断 Abandoned",
};
export const ATTRIBUTES = {
  residence_status_group: {
    label: "在留資格 Residence status",
    values: {
      not_asked: "未確認 Not asked",
      permanent_resident: "永住者 Permanent resident",
      long_term_resident: "定住者 Long-term resident",
      spouse_of_japanese: "日本人の配偶者等 Spouse of a Japanese national",
      special_permanent_resident: "特別永住者 Special permanent resident",
      technical_intern: "技能実習 Technical intern",
      specified_skilled_worker: "特定技能 Specified skilled worker",
      student: "留学 Student",
      dependent: "家族滞在 Dependent",
      engineer_specialist: "技術・人文知識・国際業務 Engineer / specialist",
      other: "その他 Other",
      unknown: "不明 Unknown",
    },
  },
  age_band: {
    label: "年代 Age band",
    values: {
      not_asked: "未確認 Not asked",
      under_20: "20歳未満 Under 20",
      "20s": "20代 20s",
      "30s": "30代 30s",
      "40s": "40代 40s",
      "50s": "50代 50s",
      "60s": "60代 60s",
      "70_plus": "70歳以上 70+",
    },
  },
  gender: {
    label: "性別 Gender",
    values: {
      not_asked: "未確認 Not asked",
      female: "女性 Female",
      male: "男性 Male",
      other: "その他 Other",
      no_answer: "回答なし No answer",
    },
  },
};
// What a field error means, in Japanese; the API's own English message follows it.
export const FIELD_HELP = {
  topics: "相談内容を正しく選んでください(1つ以上)",
  outcome: "結果を確認してください",
  referral_to: "紹介先を確認してください(「他機関へ紹介」のときは必須、それ以外は空欄)",
  follow_up: "フォローアップを確認してください",
  notes: "メモを確認してください",
  language: "言語を選んでください",
  resident_municipality: "市町村を確認してください",
  duration_minutes: "通話時間を1〜600分で入力してください",
  nationality: "国籍は2文字の国コードで入力してください(例: BR, VN)",
  residence_status_group: "在留資格を確認してください",
  age_band: "年代を確認してください",
  gender: "性別を確認してください",
};

export function minutesSince(iso) {
  const seconds = Math.max(0, (serverNowMs() - Date.parse(iso)) / 1000);
  return `${Math.floor(seconds / 60)}分${String(Math.floor(seconds % 60)).padStart(2, "0")}秒`;
}
// Routing's estimate in whole minutes (at least one): the console and the counter tablet round it alike.
export function waitMinutes(seconds) {
  return Math.max(1, Math.round(seconds / 60));
}
export function estimate(seconds) {
  return seconds == null ? "—" : `約${waitMinutes(seconds)}分 ~${waitMinutes(seconds)} min`;
}
export function localTime(iso) {
  return new Date(iso).toLocaleString("ja-JP", { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
}
