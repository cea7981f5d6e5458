namespace Amber.Training;

/// <summary>
/// Labelled samples for training or validation, row-major: speech [N, Da], text [N, Dt], soft labels [N, C],
/// hard labels [N], utterance ids [N]. The constructor checks shapes and labels and names the offending row.
/// </summary>
public sealed class TrainingData
{
    /// <summary>N.</summary>
    public int Count { get; }
    /// <summary>Da.</summary>
    public int SpeechDim { get; }
    /// <summary>Dt.</summary>
    public int TextDim { get; }
    /// <summary>C.</summary>
    public int Classes { get; }
    /// <summary>[N, Da].</summary>
    public float[] Speech { get; }
    /// <summary>[N, Dt].</summary>
    public float[] Text { get; }
    /// <summary>[N, C] soft labels (rows sum to 1).</summary>
    public float[] Soft { get; }
    /// <summary>[N] hard labels in [0, C).</summary>
    public int[] Hard { get; }
    /// <summary>[N] utterance ids.</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>Wraps the arrays (no copy) after validating them.</summary>
    public TrainingData(float[] speech, int speechDim, float[] text, int textDim, float[] soft, int classes, int[] hard,
        IReadOnlyList<string>? ids = null, string source = "training data")
    {
        if (speechDim < 1 || textDim < 1 || classes < 2)
        {
            throw new ArgumentException($"{source}: dimensions Da = {speechDim}, Dt = {textDim}, C = {classes}; expected Da ≥ 1, Dt ≥ 1, C ≥ 2.");
        }
        var n = hard.Length;
        Expect(speech.Length == n * speechDim, source, "speech", $"{speech.Length} values", $"[{n}, {speechDim}] = {n * speechDim}");
        Expect(text.Length == n * textDim, source, "text", $"{text.Length} values", $"[{n}, {textDim}] = {n * textDim}");
        Expect(soft.Length == n * classes, source, "soft", $"{soft.Length} values", $"[{n}, {classes}] = {n * classes}");
        ids ??= Enumerable.Range(0, n).Select(i => i.ToString("D8")).ToArray();
        Expect(ids.Count == n, source, "ids", $"{ids.Count} ids", $"{n}");
        for (var i = 0; i < n; i++)
        {
            var sum = 0.0;
            for (var c = 0; c < classes; c++)
            {
                var v = soft[i * classes + c];
                Expect(float.IsFinite(v) && v >= 0, source, $"soft[{i}, {c}] (utterance '{ids[i]}')", v.ToString("R"), "a probability ≥ 0");
                sum += v;
            }
            Expect(Math.Abs(sum - 1) <= 1e-3, source, $"soft[{i}] (utterance '{ids[i]}')", $"a row summing to {sum:G6}", "a distribution summing to 1");
            Expect((uint)hard[i] < (uint)classes, source, $"hard[{i}] (utterance '{ids[i]}')", hard[i].ToString(), $"a class in [0, {classes - 1}]");
        }
        CheckFinite(speech, speechDim, source, "speech", ids);
        CheckFinite(text, textDim, source, "text", ids);
        Count = n;
        SpeechDim = speechDim;
        TextDim = textDim;
        Classes = classes;
        Speech = speech;
        Text = text;
        Soft = soft;
        Hard = hard;
        Ids = ids;
    }

    private static void CheckFinite(float[] values, int width, string source, string field, IReadOnlyList<string> ids)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new FormatException($"{source}: {field}[{i / width}, {i % width}] (utterance '{ids[i / width]}') is {values[i]}; expected a finite feature value.");
            }
        }
    }

    private static void Expect(bool ok, string source, string field, string value, string expected)
    {
        if (!ok)
        {
            throw new FormatException($"{source}: {field} is {value}; expected {expected}.");
        }
    }
}
