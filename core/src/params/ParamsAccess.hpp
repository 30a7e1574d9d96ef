#pragma once
// Walks every parameter of AnalysisParams as (spec, typed reference), so load, save,
// validation and hashing share one loop over the declared fields.
#include <variant>

#include "her2/core/Params.hpp"

namespace her2::core::detail {

using FieldRef = std::variant<double*, int*, bool*, std::string*>;

template <class S, class F>
void visitSection(S& section, F&& f) {
    for (const auto& field : S::fields())
        std::visit([&](auto member) { f(field.spec, FieldRef{&(section.*member)}); }, field.member);
}

template <class F>
void visitAll(AnalysisParams& p, F&& f) {
    visitSection(p.tiling, f);
    visitSection(p.ihc, f);
    visitSection(p.fish, f);
    visitSection(p.rules, f);
}

}  // namespace her2::core::detail
