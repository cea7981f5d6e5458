using Amber.Grains.Parameters;

namespace Amber.Grains.Contracts;

/// <summary>
/// How <see cref="TrialParameters"/> crosses grain boundaries: as its typed JSON (the same text the API shows), so the
/// parameter classes stay free of serializer attributes and the wire form stays readable and version tolerant.
/// </summary>
[GenerateSerializer]
public struct TrialParametersSurrogate
{
    /// <summary><see cref="TrialParameters.ToJson"/>.</summary>
    [Id(0)]
    public string Json;
}

/// <summary>Converts <see cref="TrialParameters"/> to and from its surrogate.</summary>
[RegisterConverter]
public sealed class TrialParametersConverter : IConverter<TrialParameters, TrialParametersSurrogate>
{
    /// <inheritdoc />
    public TrialParameters ConvertFromSurrogate(in TrialParametersSurrogate surrogate) => TrialParameters.FromJson(surrogate.Json);

    /// <inheritdoc />
    public TrialParametersSurrogate ConvertToSurrogate(in TrialParameters value) => new() { Json = value.ToJson() };
}
