#include "core/nn/layers/residualblock.h"

namespace lookalike::nn::layers {

namespace {

ConvolutionParameters convolutionParameters(const ConvBnSpec& spec, ParameterStore& store)
{
    const std::string name = spec.name + ".weight";
    return {store.value(name), store.gradient(name), nullptr, nullptr};
}

BatchNormParameters normParameters(const ConvBnSpec& spec, ParameterStore& store)
{
    const std::string prefix = spec.bnName() + ".";
    return {store.value(prefix + "weight"), store.value(prefix + "bias"),
            store.gradient(prefix + "weight"), store.gradient(prefix + "bias"),
            store.state(prefix + "running_mean"), store.state(prefix + "running_var")};
}

memory shortcutOutput(const std::optional<ConvBn>& shortcut, const memory& src)
{
    return shortcut ? shortcut->dst() : src;
}

}  // namespace

ConvBn::ConvBn(Context& context, const ConvBnSpec& spec, const memory& src, ParameterStore& store,
               Mode mode, Activation activation)
    : m_convolution(context, shapeOf(spec), src, convolutionParameters(spec, store), mode),
      m_norm(context, m_convolution.dst(), normParameters(spec, store), mode,
             BatchNormOptions{.epsilon = spec.epsilon, .fuseRelu = activation == Activation::Relu})
{
    if (activation == Activation::Relu6)
        m_clip.emplace(context, m_norm.dst(), mode, 6.f);
}

void ConvBn::forward()
{
    m_convolution.forward();
    m_norm.forward();
    if (m_clip)
        m_clip->forward();
}

void ConvBn::prepareBackward(const memory& diffDst, bool needDiffSrc)
{
    if (m_clip) {
        m_clip->prepareBackward(diffDst);
        m_norm.prepareBackward(m_clip->diffSrc());
    } else {
        m_norm.prepareBackward(diffDst);
    }
    m_convolution.prepareBackward(m_norm.diffSrc(), needDiffSrc);
}

void ConvBn::backward()
{
    if (m_clip)
        m_clip->backward();
    m_norm.backward();
    m_convolution.backward();
}

ResidualBlock::ResidualBlock(Context& context, const ResidualBlockSpec& spec, const memory& src,
                             ParameterStore& store, Mode mode)
    : m_context(context),
      m_src(src),
      m_conv1(context, spec.conv1, src, store, mode, Activation::Relu),
      m_conv2(context, spec.conv2, m_conv1.dst(), store, mode, Activation::None),
      m_shortcut(spec.shortcut ? std::optional<ConvBn>(std::in_place, context, *spec.shortcut, src,
                                                       store, mode, Activation::None)
                               : std::nullopt),
      // In place over bn2's output: BN backward reads its src, never its dst.
      m_join(context, m_conv2.dst(), shortcutOutput(m_shortcut, src), true, true)
{
}

void ResidualBlock::forward()
{
    m_conv1.forward();
    m_conv2.forward();
    if (m_shortcut)
        m_shortcut->forward();
    m_join.forward();
}

void ResidualBlock::prepareBackward(const memory& diffDst)
{
    m_join.prepareBackward(diffDst);
    const memory& diffJoin = m_join.diffSrc();
    m_conv2.prepareBackward(diffJoin, true);
    m_conv1.prepareBackward(m_conv2.diffSrc(), true);
    if (m_shortcut)
        m_shortcut->prepareBackward(diffJoin, true);
    const memory diffShortcut = m_shortcut ? m_shortcut->diffSrc() : diffJoin;
    m_gradientSum.emplace(m_context, m_conv1.diffSrc(), diffShortcut, false, true);
}

void ResidualBlock::backward()
{
    m_join.backward();
    m_conv2.backward();
    m_conv1.backward();
    if (m_shortcut)
        m_shortcut->backward();
    m_gradientSum->forward();
}

}  // namespace lookalike::nn::layers
