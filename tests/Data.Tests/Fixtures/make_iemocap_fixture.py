# Writes the hand-written IEMOCAP fixtures (tabs are hard to type reliably, so the text lives here) and tiny wavs
# through Python's own wave module, an independent PCM16 writer. Run: /usr/bin/python3 make_iemocap_fixture.py
import math, os, struct, wave

T = "\t"
root = "iemocap/IEMOCAP_full_release"

def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="\n") as f:
        f.write(text)

def wav(path, freq=220.0, seconds=0.1, amp=0.5, rate=16000):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
        n = int(seconds * rate)
        w.writeframes(b"".join(struct.pack("<h", int(round(amp * 32767 * math.sin(2 * math.pi * freq * i / rate)))) for i in range(n)))

header = "% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n"
s1 = header + "\n".join([
    "[6.2901 - 8.2357]" + T + "Ses01F_impro01_F000" + T + "neu" + T + "[2.5000, 2.5000, 2.5000]",
    "C-E2:" + T + "Neutral;" + T + "()",
    "C-E3:" + T + "Neutral;" + T + "()",
    "C-E4:" + T + "Neutral;" + T + "()",
    "C-F1:" + T + "Neutral;" + T + "(curious)",
    "A-E3:" + T + "val 3; act 2; dom  2;" + T + "()",
    "A-E4:" + T + "val 2; act 3; dom  3;" + T + "(mildly aggravated but staying polite, attitude)",
    "A-F1:" + T + "val 3; act 2; dom  1;" + T + "()",
    "",
    "[10.0100 - 11.3794]" + T + "Ses01F_impro01_M000" + T + "xxx" + T + "[2.0000, 3.5000, 3.0000]",
    "C-E1:" + T + "Frustration; Anger;" + T + "(annoyed; but polite, attitude)",
    "C-E2:" + T + "Excited;" + T + "()",
    "C-E4:" + T + "Sadness;" + T + "(sounds tired (maybe))",
    "C-M1:" + T + "Anger;" + T + "()",
    "A-E1:" + T + "val 2; act 4; dom  3;" + T + "()",
    "",
    "[12.0000 - 13.5000]" + T + "Ses01F_impro01_F001" + T + "fru" + T + "[2.0000, 3.0000, 3.0000]",
    "C-E1:" + T + "Frustration;" + T + "()",
    "C-E2:" + T + "Frustration;" + T + "()",
    "C-E3:" + T + "Frustration;" + T + "()",
    "C-F2:" + T + ";" + T + "()",
    "",
    "[14.0000 - 16.2500]" + T + "Ses01F_impro01_M001" + T + "exc" + T + "[4.0000, 4.0000, 3.0000]",
    "C-E2:" + T + "Excited;" + T + "()",
    "C-E3:" + T + "Happiness;" + T + "(laughing )",
    "C-E4:" + T + "Neutral;" + T + "()",
    "",
])
write(f"{root}/Session1/dialog/EmoEvaluation/Ses01F_impro01.txt", s1)
write(f"{root}/Session1/dialog/EmoEvaluation/._Ses01F_impro01.txt", "\x00\x05\x16\x07 AppleDouble junk that is not a label file\n")
write(f"{root}/Session1/dialog/EmoEvaluation/Categorical/Ses01F_impro01_e2_cat.txt", "Ses01F_impro01_F000 :Neutral state; ()\n")
write(f"{root}/Session1/dialog/transcriptions/Ses01F_impro01.txt", "\n".join([
    "Ses01F_impro01_F000 [006.2901-008.2357]: Excuse me.",
    "Ses01F_impro01_M000 [010.0100-011.3794]: Do you have your forms?",
    "M: [BREATHING]",
    "Ses01F_impro01_MXX0 [011.5000-011.9000]: Yeah.",
    "Ses01F_impro01_F001 [012.0000-013.5000]: I have been waiting here an hour.",
    "Ses01F_impro01_M001 [014.0000-016.2500]: That is great, finally!",
    "",
]))
for u in ["Ses01F_impro01_F000", "Ses01F_impro01_M000", "Ses01F_impro01_F001", "Ses01F_impro01_M001"]:
    wav(f"{root}/Session1/sentences/wav/Ses01F_impro01/{u}.wav")

s2 = header + "\n".join([
    "[1.0000 - 2.0000]" + T + "Ses02M_script01_1_F000" + T + "ang" + T + "[1.5000, 4.5000, 4.0000]",
    "C-E1:" + T + "Anger;" + T + "()",
    "C-E2:" + T + "Anger;" + T + "()",
    "C-E3:" + T + "Anger;" + T + "()",
    "",
    "[2.5000 - 4.0000]" + T + "Ses02M_script01_1_M000" + T + "sad" + T + "[2.0000, 1.5000, 2.0000]",
    "C-E1:" + T + "Sadness;" + T + "()",
    "C-E2:" + T + "Sadness;" + T + "()",
    "C-E5:" + T + "Neutral;" + T + "()",
    "",
    "[4.5000 - 5.0000]" + T + "Ses02M_script01_1_M001" + T + "neu" + T + "[3.0000, 2.0000, 3.0000]",
    "C-E1:" + T + "Neutral;" + T + "()",
    "C-E2:" + T + "Neutral;" + T + "()",
    "C-E3:" + T + "Neutral;" + T + "()",
    "",
])
write(f"{root}/Session2/dialog/EmoEvaluation/Ses02M_script01_1.txt", s2)
write(f"{root}/Session2/dialog/transcriptions/Ses02M_script01_1.txt", "\n".join([
    "Ses02M_script01_1_F000 [001.0000-002.0000]: Get out.",
    "Ses02M_script01_1_M000 [002.5000-004.0000]: I miss her.",
    "Ses02M_script01_1_M001 [004.5000-005.0000]: Okay.",
    "",
]))
for u in ["Ses02M_script01_1_F000", "Ses02M_script01_1_M000"]:
    wav(f"{root}/Session2/sentences/wav/Ses02M_script01_1/{u}.wav")

bad = header + "\n".join([
    "[1.0000 - 2.0000]" + T + "Ses03F_impro02_F000" + T + "neu" + T + "[2.5000, 2.5000, 2.5000]",
    "C-E1:" + T + "Neutral;" + T + "()",
    "C-E2:" + T + "Neutral;" + T + "()",
    "",
    "[3.0000 - 4.0000" + T + "Ses03F_impro02_M000" + T + "neu" + T + "[2.5000, 2.5000, 2.5000]",
    "C-E1:" + T + "Neutral;" + T + "()",
    "",
    "[5.0000 - 6.0000]" + T + "Ses03F_impro02_M001" + T + "sad" + T + "[2.0000, 2.0000, 2.0000]",
    "C-E1 Sadness;" + T + "()",
    "C-E2:" + T + "Sadness;" + T + "()",
    "A-E2:" + T + "val two; act 2; dom  2;" + T + "()",
    "",
])
write("iemocap-malformed/Session3/dialog/EmoEvaluation/Ses03F_impro02.txt", bad)
