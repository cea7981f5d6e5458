using System.Text;
using Amber.Training.Losses;

namespace Amber.Training.Model;

/// <summary>One named tensor inside the contiguous parameter (and gradient) buffer.</summary>
/// <param name="Name">Dotted name, e.g. <c>speech.proj.weight</c>.</param>
/// <param name="Offset">First element in the buffer.</param>
/// <param name="Shape">Row-major shape.</param>
public sealed record ParameterSlice(string Name, int Offset, int[] Shape)
{
    /// <summary>Number of elements.</summary>
    public int Length => Shape.Aggregate(1, (a, b) => a * b);
}

/// <summary>
/// The named slices of a model's single parameter buffer; the gradient buffer has the same layout. The hash identifies
/// the layout in checkpoints so that a checkpoint of another model shape or method is refused.
/// </summary>
public sealed class ParameterLayout
{
    private readonly Dictionary<string, ParameterSlice> _byName;

    /// <summary>Slices in buffer order.</summary>
    public IReadOnlyList<ParameterSlice> Slices { get; }

    /// <summary>Total number of parameters.</summary>
    public int Total { get; }

    /// <summary>FNV-1a 64 over the names and shapes: equal layouts, equal hashes.</summary>
    public ulong Hash { get; }

    /// <summary>A human-readable description used in error messages.</summary>
    public string Description { get; }

    private ParameterLayout(List<ParameterSlice> slices)
    {
        Slices = slices;
        Total = slices.Count == 0 ? 0 : slices[^1].Offset + slices[^1].Length;
        _byName = slices.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var text = new StringBuilder();
        foreach (var s in slices)
        {
            text.Append(s.Name).Append('[').AppendJoin(',', s.Shape).Append("];");
        }
        Description = text.ToString();
        var h = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(Description))
        {
            h = (h ^ b) * 1099511628211UL;
        }
        Hash = h;
    }

    /// <summary>The slice with this name; throws naming the valid names when absent.</summary>
    public ParameterSlice this[string name] => _byName.TryGetValue(name, out var s)
        ? s
        : throw new KeyNotFoundException($"No parameter named '{name}'; the layout has: {string.Join(", ", _byName.Keys)}.");

    /// <summary>True when the layout holds a slice of that name.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The layout of the AmbER² network for a configuration and a method (experts and fusion only when used).</summary>
    public static ParameterLayout For(ModelConfig config, LossMethod method)
    {
        var slices = new List<ParameterSlice>();
        var offset = 0;
        void Add(string name, params int[] shape)
        {
            var s = new ParameterSlice(name, offset, shape);
            slices.Add(s);
            offset = checked(offset + s.Length);
        }
        int h = config.Hidden, c = config.Classes;
        Add("speech.proj.weight", h, config.SpeechDim);
        Add("speech.proj.bias", h);
        Add("speech.norm.weight", h);
        Add("speech.norm.bias", h);
        Add("text.proj.weight", h, config.TextDim);
        Add("text.proj.bias", h);
        Add("text.norm.weight", h);
        Add("text.norm.bias", h);
        if (method.UsesExperts())
        {
            Add("speech.head.weight", c, h);
            Add("speech.head.bias", c);
            Add("text.head.weight", c, h);
            Add("text.head.bias", c);
        }
        if (method.UsesFusion())
        {
            Add("fusion.proj.weight", h, 2 * h);
            Add("fusion.proj.bias", h);
            Add("fusion.norm.weight", h);
            Add("fusion.norm.bias", h);
            Add("fusion.head.weight", c, h);
            Add("fusion.head.bias", c);
        }
        return new ParameterLayout(slices);
    }
}
