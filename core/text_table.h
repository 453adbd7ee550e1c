// Plain-text tables for reports: cells in columns two spaces apart.
#pragma once
#include <string>
#include <vector>

namespace vmlab {

// Every row indented by two spaces, the first column left-aligned and the others
// right-aligned, each as wide as its widest cell; trailing blanks dropped. Rows may
// have different numbers of cells.
std::string align_columns(const std::vector<std::vector<std::string>>& cells);

}  // namespace vmlab
