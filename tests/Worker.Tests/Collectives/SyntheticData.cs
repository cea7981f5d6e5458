using Amber.Training;

namespace Amber.Worker.Tests.Collectives;

/// <summary>A small seeded four-class problem: Gaussian features whose class means differ, soft labels from five raters.</summary>
internal static class SyntheticData
{
    public static TrainingData Make(int n, int speechDim, int textDim, int seed, string prefix)
    {
        const int classes = 4;
        var random = new Random(seed);
        var speech = new float[n * speechDim];
        var text = new float[n * textDim];
        var soft = new float[n * classes];
        var hard = new int[n];
        for (var i = 0; i < n; i++)
        {
            var label = random.Next(classes);
            for (var d = 0; d < speechDim; d++)
            {
                speech[i * speechDim + d] = (float)(Gaussian(random) + (d % classes == label ? 1.5 : 0));
            }
            for (var d = 0; d < textDim; d++)
            {
                text[i * textDim + d] = (float)(Gaussian(random) + (d % classes == label ? 1.0 : 0));
            }
            var votes = new int[classes];
            for (var r = 0; r < 5; r++)
            {
                votes[random.NextDouble() < 0.7 ? label : random.Next(classes)]++;
            }
            for (var c = 0; c < classes; c++)
            {
                soft[i * classes + c] = votes[c] / 5f;
            }
            hard[i] = Array.IndexOf(votes, votes.Max());
        }
        var ids = Enumerable.Range(0, n).Select(i => $"{prefix}{i:D5}").ToArray();
        return new TrainingData(speech, speechDim, text, textDim, soft, classes, hard, ids, prefix);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
