# Locates OpenCV's core, imgproc and imgcodecs modules without OpenCVConfig.cmake.
# Debian ships that config only in libopencv-dev, which drags in highgui (built on
# Qt5, which must never meet Qt6) and dozens of modules we do not use.
find_path(OpenCVModules_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
foreach(mod core imgproc imgcodecs)
  find_library(OpenCVModules_${mod}_LIBRARY NAMES opencv_${mod} REQUIRED)
  if(NOT TARGET opencv::${mod})
    add_library(opencv::${mod} UNKNOWN IMPORTED)
    set_target_properties(opencv::${mod} PROPERTIES
      IMPORTED_LOCATION "${OpenCVModules_${mod}_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${OpenCVModules_INCLUDE_DIR}")
  endif()
endforeach()
set_property(TARGET opencv::imgproc PROPERTY INTERFACE_LINK_LIBRARIES opencv::core)
set_property(TARGET opencv::imgcodecs PROPERTY INTERFACE_LINK_LIBRARIES opencv::imgproc opencv::core)
set(OpenCVModules_FOUND TRUE)
