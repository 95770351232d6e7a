#include "core/nn/layers/invertedresidualblock.h"

namespace lookalike::nn::layers {

InvertedResidualBlock::InvertedResidualBlock(Context& context, const InvertedResidualSpec& spec,
                                             const memory& src, ParameterStore& store, Mode mode)
    : m_context(context)
{
    const memory* current = &src;
    for (const std::optional<ConvBnSpec>* unit : {&spec.expand, &spec.depthwise, &spec.project}) {
        if (!*unit)
            continue;
        m_units.push_back(std::make_unique<ConvBn>(context, **unit, *current, store, mode, (*unit)->activation));
        current = &m_units.back()->dst();
    }
    // In place over the projection's BN output: BN backward reads its src, never its dst.
    if (spec.residual)
        m_join.emplace(context, *current, src, false, true);
}

void InvertedResidualBlock::forward()
{
    for (auto& unit : m_units)
        unit->forward();
    if (m_join)
        m_join->forward();
}

void InvertedResidualBlock::prepareBackward(const memory& diffDst)
{
    const memory* diff = &diffDst;
    if (m_join) {
        m_join->prepareBackward(diffDst);
        diff = &m_join->diffSrc();
    }
    for (auto unit = m_units.rbegin(); unit != m_units.rend(); ++unit) {
        (*unit)->prepareBackward(*diff, true);
        diff = &(*unit)->diffSrc();
    }
    if (m_join)
        m_gradientSum.emplace(m_context, m_units.front()->diffSrc(), m_join->diffSrc(), false, true);
}

void InvertedResidualBlock::backward()
{
    if (m_join)
        m_join->backward();
    for (auto unit = m_units.rbegin(); unit != m_units.rend(); ++unit)
        (*unit)->backward();
    if (m_gradientSum)
        m_gradientSum->forward();
}

}  // namespace lookalike::nn::layers
