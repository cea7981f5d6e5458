using Amber.Grains.Parameters;
using Amber.Grains.Specs;

namespace Amber.Grains.Sampling.Tpe;

/// <summary>
/// A search space as the estimator sees it: numeric dimensions on a continuous axis (log for log-uniform, the step index
/// widened by half a step on each side for integers, so each integer owns an equal interval) and categorical dimensions
/// as choice indices. Encodes trial values and decodes points back into typed values.
/// </summary>
public sealed class EncodedSpace
{
    private readonly SearchDimension[] dims;
    // Per dimension: its slot among the numeric (or categorical) axes, or -1.
    private readonly int[] numericSlot;
    private readonly int[] categoricalSlot;

    /// <summary>Encodes <paramref name="space"/>.</summary>
    public EncodedSpace(IReadOnlyList<SearchDimension> space)
    {
        dims = [.. space];
        numericSlot = new int[dims.Length];
        categoricalSlot = new int[dims.Length];
        var lows = new List<double>();
        var highs = new List<double>();
        var counts = new List<int>();
        for (int i = 0; i < dims.Length; i++)
        {
            numericSlot[i] = categoricalSlot[i] = -1;
            switch (dims[i])
            {
                case UniformDimension u:
                    numericSlot[i] = lows.Count;
                    lows.Add(u.Log ? Math.Log(u.Low) : u.Low);
                    highs.Add(u.Log ? Math.Log(u.High) : u.High);
                    break;
                case IntDimension n:
                    numericSlot[i] = lows.Count;
                    lows.Add(-0.5);
                    highs.Add((n.High - n.Low) / n.Step + 0.5);
                    break;
                case ChoiceDimension c:
                    categoricalSlot[i] = counts.Count;
                    counts.Add(c.Values.Length);
                    break;
                case FixedDimension:
                    break;
                default:
                    throw new ArgumentException($"dimension type {dims[i].GetType().Name} is not supported by the TPE sampler", nameof(space));
            }
        }
        Low = [.. lows];
        High = [.. highs];
        ChoiceCounts = [.. counts];
    }

    /// <summary>Lower ends of the numeric axes.</summary>
    public double[] Low { get; }

    /// <summary>Upper ends of the numeric axes.</summary>
    public double[] High { get; }

    /// <summary>Number of choices of each categorical axis.</summary>
    public int[] ChoiceCounts { get; }

    /// <summary>Number of numeric axes.</summary>
    public int NumericCount => Low.Length;

    /// <summary>Number of categorical axes.</summary>
    public int CategoricalCount => ChoiceCounts.Length;

    /// <summary>
    /// Writes the coordinates of <paramref name="values"/> (aligned with the space) into the two spans; false when a value
    /// is not in the space (a trial from an older version of the spec), which the estimator then leaves out.
    /// </summary>
    public bool TryEncode(IReadOnlyList<ParameterValue> values, Span<double> numeric, Span<int> categorical)
    {
        for (int i = 0; i < dims.Length; i++)
        {
            var v = values[i];
            switch (dims[i])
            {
                case UniformDimension u:
                    if (v.Kind is not (ParameterKind.Float or ParameterKind.Int)) return false;
                    double d = v.AsDouble();
                    if (u.Log && d <= 0) return false;
                    numeric[numericSlot[i]] = Math.Clamp(u.Log ? Math.Log(d) : d, Low[numericSlot[i]], High[numericSlot[i]]);
                    break;
                case IntDimension n:
                    if (v.Kind != ParameterKind.Int) return false;
                    numeric[numericSlot[i]] = Math.Clamp((double)(v.AsInt() - n.Low) / n.Step, Low[numericSlot[i]], High[numericSlot[i]]);
                    break;
                case ChoiceDimension c:
                    int k = c.Values.IndexOf(v);
                    if (k < 0) return false;
                    categorical[categoricalSlot[i]] = k;
                    break;
            }
        }
        return true;
    }

    /// <summary>The typed values (aligned with the space) of the point (<paramref name="numeric"/>, <paramref name="categorical"/>).</summary>
    public ParameterValue[] Decode(ReadOnlySpan<double> numeric, ReadOnlySpan<int> categorical)
    {
        var values = new ParameterValue[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            values[i] = dims[i] switch
            {
                UniformDimension { Log: true } u => ParameterValue.Of(Math.Clamp(Math.Exp(numeric[numericSlot[i]]), u.Low, u.High)),
                UniformDimension u => ParameterValue.Of(Math.Clamp(numeric[numericSlot[i]], u.Low, u.High)),
                IntDimension n => ParameterValue.Of(n.Low + n.Step * Math.Clamp((long)Math.Round(numeric[numericSlot[i]], MidpointRounding.AwayFromZero), 0, (n.High - n.Low) / n.Step)),
                ChoiceDimension c => c.Values[categorical[categoricalSlot[i]]],
                FixedDimension f => f.Value,
                _ => throw new InvalidOperationException("unreachable: the constructor refuses other dimensions"),
            };
        }
        return values;
    }
}
