// A short two-tone beep, no audio files; the audio context is unlocked by the first click (the login).

let audio: AudioContext | null = null;
let lastBeep = 0;
let beeps = 0;

declare global {
  interface Window {
    webkitAudioContext?: typeof AudioContext;
  }
}

export function unlockAudio(): void {
  try {
    audio = audio || new (window.AudioContext || (window.webkitAudioContext as typeof AudioContext))();
    if (audio.state === "suspended") audio.resume();
  } catch {
    audio = null;
  }
}

/** Imminent: three tones; high: one. Counted on <body data-beeps> for the tests. */
export function beep(risk?: string): void {
  if (Date.now() - lastBeep < 1500) return;
  lastBeep = Date.now();
  document.body.dataset.beeps = String(++beeps);
  document.body.dataset.lastAlarm = risk || "imminent";
  if (!audio) return;
  try {
    const t = audio.currentTime;
    const tones: [number, number][] =
      risk === "high"
        ? [[0, 660]]
        : [
            [0, 880],
            [1, 660],
            [2, 880],
          ];
    for (const [i, f] of tones) {
      const o = audio.createOscillator();
      const g = audio.createGain();
      o.type = "square";
      o.frequency.value = f;
      g.gain.setValueAtTime(0.15, t + i * 0.22);
      g.gain.setValueAtTime(0, t + i * 0.22 + 0.18);
      o.connect(g).connect(audio.destination);
      o.start(t + i * 0.22);
      o.stop(t + i * 0.22 + 0.2);
    }
  } catch {
    /* no sound device */
  }
}
