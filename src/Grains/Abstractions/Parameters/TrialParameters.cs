using System.Collections.Immutable;
using System.Text.Json;

namespace Amber.Grains.Parameters;

/// <summary>
/// The resolved hyperparameters of one trial: the method name plus every other dimension of the search space, fixed
/// values included. Keys are sorted ordinally so serialisation and equality are stable.
/// </summary>
public sealed class TrialParameters : IEquatable<TrialParameters>
{
    /// <summary>The dimension that names the training method (amber2, ce, …).</summary>
    public const string MethodKey = "method";

    /// <summary>Creates the parameters; <paramref name="values"/> must hold a string "method".</summary>
    public TrialParameters(IEnumerable<KeyValuePair<string, ParameterValue>> values)
    {
        Values = values.ToImmutableSortedDictionary(StringComparer.Ordinal);
        if (!Values.TryGetValue(MethodKey, out var method) || method.Kind != ParameterKind.String)
            throw new ArgumentException($"trial parameters need a string '{MethodKey}'; got keys [{string.Join(", ", Values.Keys)}]", nameof(values));
    }

    /// <summary>The method name (amber2, amber2_uniform, ce, soft, js_entropy, late_fusion).</summary>
    public string Method => Values[MethodKey].AsString();

    /// <summary>All values, the method included.</summary>
    public ImmutableSortedDictionary<string, ParameterValue> Values { get; }

    /// <summary>The value of <paramref name="name"/>, or null when the sweep did not set it (the executor's default applies).</summary>
    public ParameterValue? Get(string name) => Values.TryGetValue(name, out var v) ? v : null;

    /// <summary>A compact JSON object with typed values (numbers stay numbers, strings strings).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var (key, value) in Values)
            {
                switch (value.Kind)
                {
                    case ParameterKind.String: w.WriteString(key, value.AsString()); break;
                    case ParameterKind.Int: w.WriteNumber(key, value.AsInt()); break;
                    case ParameterKind.Bool: w.WriteBoolean(key, value.AsBool()); break;
                    default:
                        // A float that happens to be whole ("1.0") must come back as a float, so it is tagged.
                        double d = value.AsDouble();
                        if (Math.Floor(d) == d) w.WriteString(key, "f:" + value); else w.WriteNumber(key, d);
                        break;
                }
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads what <see cref="ToJson"/> wrote.</summary>
    public static TrialParameters FromJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var values = new List<KeyValuePair<string, ParameterValue>>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            ParameterValue v = p.Value.ValueKind switch
            {
                JsonValueKind.String when p.Value.GetString()!.StartsWith("f:", StringComparison.Ordinal) =>
                    ParameterValue.Of(double.Parse(p.Value.GetString()![2..], System.Globalization.CultureInfo.InvariantCulture)),
                JsonValueKind.String => ParameterValue.Of(p.Value.GetString()!),
                JsonValueKind.True => ParameterValue.Of(true),
                JsonValueKind.False => ParameterValue.Of(false),
                JsonValueKind.Number when p.Value.TryGetInt64(out long l) && !p.Value.GetRawText().Contains('.', StringComparison.Ordinal)
                    && !p.Value.GetRawText().Contains('e', StringComparison.OrdinalIgnoreCase) => ParameterValue.Of(l),
                JsonValueKind.Number => ParameterValue.Of(p.Value.GetDouble()),
                _ => throw new FormatException($"trial parameter '{p.Name}' has JSON kind {p.Value.ValueKind}; expected a string, number or boolean"),
            };
            values.Add(new(p.Name, v));
        }
        return new TrialParameters(values);
    }

    /// <inheritdoc />
    public bool Equals(TrialParameters? other) =>
        other is not null && other.Values.Count == Values.Count && Values.All(kv => other.Values.TryGetValue(kv.Key, out var v) && v.Equals(kv.Value));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as TrialParameters);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var (k, v) in Values) { h.Add(k, StringComparer.Ordinal); h.Add(v); }
        return h.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(", ", Values.Select(kv => $"{kv.Key}={kv.Value}"));
}
