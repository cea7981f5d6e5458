
namespace Amber.Training.Tests.Support;

/// <summary>
/// A small seeded problem whose soft labels depend on both modalities: the speech features carry an arousal-like
/// score, the text features a valence-like score, and the label mixes classes by both (plus rater noise).
/// </summary>
internal static class Synthetic
{
    public static TrainingData Make(int n, int speechDim, int textDim, int seed, string prefix)
    {
        const int classes = 4;
        var random = new Random(seed);
        var speech = new float[n * speechDim];
        var text = new float[n * textDim];
        var soft = new float[n * classes];
        var hard = new int[n];
        var ids = new string[n];
        for (var i = 0; i < n; i++)
        {
            var arousal = random.NextDouble() * 2 - 1;
            var valence = random.NextDouble() * 2 - 1;
            for (var d = 0; d < speechDim; d++)
            {
                speech[i * speechDim + d] = (float)((d % 2 == 0 ? arousal : -arousal) * (1 + d % 3) * 0.7 + Gaussian(random) * 0.5);
            }
            for (var d = 0; d < textDim; d++)
            {
                text[i * textDim + d] = (float)((d % 2 == 0 ? valence : -valence) * (1 + d % 2) * 0.7 + Gaussian(random) * 0.5);
            }
            // neutral, happy (high valence), angry (high arousal, low valence), sad (low arousal, low valence)
            double[] logits = [1 - 2 * Math.Abs(arousal) - Math.Abs(valence), 3 * valence, 2 * arousal - 2 * valence, -2 * arousal - 2 * valence];
            var max = logits.Max();
            var weights = logits.Select(l => Math.Exp(l - max)).ToArray();
            var sum = weights.Sum();
            // Five raters draw from the distribution: soft label = vote share.
            var votes = new int[classes];
            for (var r = 0; r < 5; r++)
            {
                var u = random.NextDouble() * sum;
                var c = 0;
                while (c < classes - 1 && u > weights[c])
                {
                    u -= weights[c];
                    c++;
                }
                votes[c]++;
            }
            for (var c = 0; c < classes; c++)
            {
                soft[i * classes + c] = votes[c] / 5f;
            }
            hard[i] = Array.IndexOf(votes, votes.Max());
            ids[i] = $"{prefix}{i:D5}";
        }
        return new TrainingData(speech, speechDim, text, textDim, soft, classes, hard, ids, prefix);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
