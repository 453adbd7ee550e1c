// "Did you mean ...?" for names a user typed: profile keys, mode presets, formats.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace vmlab {

// Levenshtein distance between two words.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate a typo most likely meant: the first one the word begins, else the nearest
// within a third of the word's length (at least 1 edit); nullptr when nothing is close.
const std::string* closest(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" for the closest candidate, or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace vmlab
