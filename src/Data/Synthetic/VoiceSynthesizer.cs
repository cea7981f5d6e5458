namespace Amber.Data.Synthetic;

/// <summary>
/// A source-filter voice: a Rosenberg-style glottal pulse train (pitch contour, jitter, closing phase for voice quality),
/// a one-pole spectral tilt, aspiration noise, three cascaded formant resonators per syllable vowel, noise-burst
/// consonants and a quiet channel noise floor. Cheap enough to render a 1,500-utterance corpus in seconds.
/// </summary>
internal static class VoiceSynthesizer
{
    // Peterson–Barney-like vowel formants (Hz) of an adult male voice; speakers scale them.
    private static readonly double[][] Vowels =
    [
        [730, 1090, 2440], [270, 2290, 3010], [300, 870, 2240], [530, 1840, 2480], [570, 840, 2410], [660, 1720, 2410],
    ];

    private static readonly double[] Bandwidths = [70, 100, 140];

    // Output scale that puts a neutral utterance near −27 dBFS RMS, leaving headroom for loud (angry) speech.
    private const double ReferenceGain = 0.11;

    public static float[] Render(Prosody p, SpeakerTraits speaker, int words, double channelNoise, int sampleRate, Random rng)
    {
        var plan = PlanSyllables(p, words, rng);
        double totalSeconds = plan.Count == 0 ? 0.5 : plan[^1].End + 0.15 + 0.1 * rng.NextDouble();
        var output = new float[(int)(totalSeconds * sampleRate)];
        double gain = ReferenceGain * Math.Pow(10, p.EnergyDb / 20);
        double phase = rng.NextDouble(), periodFactor = 1, prevFlow = 0, tiltState = 0;
        double declinationPerSecond = 1.5 / Math.Max(totalSeconds, 0.5);
        double wobblePhase = rng.NextDouble() * 2 * Math.PI;
        var formants = new Resonator[3];

        foreach (var s in plan)
        {
            var vowel = Vowels[s.Vowel];
            for (int k = 0; k < 3; k++) formants[k].Tune(vowel[k] * speaker.FormantScale, Bandwidths[k], sampleRate);

            int start = (int)(s.Start * sampleRate), voicedEnd = (int)(s.VoicedEnd * sampleRate), end = Math.Min(output.Length, (int)(s.End * sampleRate));
            int attack = sampleRate / 50, release = sampleRate / 30;
            for (int n = start; n < Math.Min(voicedEnd, output.Length); n++)
            {
                double t = n / (double)sampleRate;
                double local = (n - start) / (double)Math.Max(1, voicedEnd - start);
                double accent = s.AccentFrom + (s.AccentTo - s.AccentFrom) * local;
                double semitones = p.PitchLevelSemitones + p.PitchRangeSemitones * (0.45 * Math.Sin(2 * Math.PI * 0.6 * t + wobblePhase) + 0.55 * accent)
                                   - declinationPerSecond * t;
                double f0 = speaker.BaseF0 * Math.Pow(2, semitones / 12) * periodFactor;
                phase += f0 / sampleRate;
                if (phase >= 1)
                {
                    phase -= 1;
                    periodFactor = 1 + p.Jitter * Sampling.Normal(rng);
                }
                double flow = GlottalFlow(phase, p.GlottalClosing);
                double source = (flow - prevFlow) * sampleRate / 200.0;
                prevFlow = flow;
                tiltState = (1 - p.Tilt) * source + p.Tilt * tiltState;
                double excitation = tiltState + p.Breathiness * 0.3 * Sampling.Normal(rng);
                double y = excitation;
                for (int k = 0; k < 3; k++) y = formants[k].Step(y);
                double env = Envelope(n - start, voicedEnd - n, attack, release);
                output[n] += (float)(gain * env * y);
            }
            // Consonant: a short high-passed noise burst after the vowel.
            double burst = 0;
            for (int n = voicedEnd; n < Math.Min(end, voicedEnd + (end - voicedEnd) / 2); n++)
            {
                double w = Sampling.Normal(rng);
                output[n] += (float)(gain * 0.05 * (w - burst));
                burst = w;
            }
        }
        for (int n = 0; n < output.Length; n++) output[n] += (float)(channelNoise * Sampling.Normal(rng));
        return output;
    }

    private static double GlottalFlow(double phase, double closing)
    {
        const double opening = 0.5;
        if (phase < opening) return 0.5 * (1 - Math.Cos(Math.PI * phase / opening));
        if (phase < opening + closing) return Math.Cos(Math.PI / 2 * (phase - opening) / closing);
        return 0;
    }

    private static double Envelope(int sinceStart, int untilEnd, int attack, int release)
    {
        double a = sinceStart < attack ? 0.5 * (1 - Math.Cos(Math.PI * sinceStart / attack)) : 1;
        double r = untilEnd < release ? 0.5 * (1 - Math.Cos(Math.PI * untilEnd / release)) : 1;
        return a * r;
    }

    private sealed record Syllable(double Start, double VoicedEnd, double End, int Vowel, double AccentFrom, double AccentTo);

    private static List<Syllable> PlanSyllables(Prosody p, int words, Random rng)
    {
        var plan = new List<Syllable>();
        double t = 0.12 + 0.08 * rng.NextDouble();
        double accent = 0;
        for (int w = 0; w < words; w++)
        {
            int syllables = 1 + (rng.NextDouble() < 0.45 ? 1 : 0) + (rng.NextDouble() < 0.12 ? 1 : 0);
            for (int s = 0; s < syllables; s++)
            {
                double duration = (0.75 + 0.5 * rng.NextDouble()) / p.SyllablesPerSecond;
                double next = rng.NextDouble() * 2 - 1;
                plan.Add(new Syllable(t, t + duration * (0.6 + 0.15 * rng.NextDouble()), t + duration, rng.Next(Vowels.Length), accent, next));
                accent = next;
                t += duration;
            }
            if (rng.NextDouble() < 0.1) t += 0.1 + 0.15 * rng.NextDouble();
        }
        return plan;
    }

    /// <summary>A two-pole resonator with unit gain at DC scaled to its peak, as in cascade formant synthesizers.</summary>
    private struct Resonator
    {
        private double _a1, _a2, _b0, _y1, _y2;

        public void Tune(double frequency, double bandwidth, int sampleRate)
        {
            double r = Math.Exp(-Math.PI * bandwidth / sampleRate);
            _a1 = 2 * r * Math.Cos(2 * Math.PI * frequency / sampleRate);
            _a2 = -r * r;
            _b0 = 1 - _a1 - _a2;
        }

        public double Step(double x)
        {
            double y = _b0 * x + _a1 * _y1 + _a2 * _y2;
            _y2 = _y1;
            _y1 = y;
            return y;
        }
    }
}
